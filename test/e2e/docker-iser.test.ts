/**
 * Issue 12: the iSER end-to-end test also on the Docker target (a Docker engine, or Podman serving the
 * Docker API): 3 hosts (rhel8, sles15, rhel8) in iser_hosts with a loop-backed LUN each, and an
 * outsider. --check changes nothing, the real run reaches the document's end state, the second run
 * reports changed=0, and the outsider is never touched.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { type DockerFleet, dockerUnavailable, startDockerFleet } from '../target/docker.js';
import { cliMissing, recap, runIserPlaybook, tempDir } from './helpers.js';
import { iserAssertions } from './iser-assertions.js';

const missing = dockerUnavailable() ?? cliMissing();

describeNeeding(missing)('iSER playbooks on the Docker target (3 hosts with a LUN, and an outsider)', () => {
  let fleet: DockerFleet | undefined;
  let inventory: string;
  const f = () => fleet as DockerFleet;
  const check = () => iserAssertions(f);
  const inGroup = () => f().hosts.filter((h) => h.name !== 'outsider');
  const run = (...extra: string[]) => runIserPlaybook(f().knownHostsFile, inventory, 'iser.yml', ...extra);

  beforeAll(async () => {
    fleet = await startDockerFleet({
      hosts: [
        { name: 'host1', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'host2', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'host3', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'outsider', flavor: 'sles15', groups: ['outside'] },
      ],
      lun: true,
    });
    const t = fleet.timings;
    console.log(
      `docker-iser: fleet on ${fleet.dockerHost}: engine ${t.engine} ms, image ${t.image} ms, containers ${t.containers} ms`,
    );
    inventory = await fleet.writeInventory({ file: `${await tempDir('docker-iser')}/hosts.yml` });
  });
  // Runs even when beforeAll failed half-way: startDockerFleet cleans up after itself when it throws.
  afterAll(async () => {
    await fleet?.stop();
  });

  it('--check --diff: exit 0, real diffs, nothing changed on any host', async () => {
    const before = await f().readFile('host1', '/etc/iscsi/iscsid.conf');
    const r = await run('--check', '--diff');
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(r.stdout).toContain('+node.startup = automatic');
    expect(r.stdout).toContain(`+iface.initiatorname = ${f().hosts[0]?.initiatorIqn}`);
    expect(r.stdout).toMatch(/\$ parted -a optimal -s -- \/dev\/mapper\/3\w+ mklabel gpt/);
    expect(await f().readFile('host1', '/etc/iscsi/iscsid.conf')).toBe(before);
    for (const h of f().hosts) expect(await check().mutatingCalls(h.name), h.name).toEqual([]);
  });

  it('the real run reaches the end state on every host; the second run reports changed=0', async () => {
    const first = await run();
    expect(first.code, first.stdout.slice(-4000) + first.stderr).toBe(0);
    for (const h of inGroup()) await check().endState(h);
    const second = await run();
    expect(second.code, second.stdout.slice(-3000) + second.stderr).toBe(0);
    for (const h of inGroup())
      expect(recap(second.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(recap(second.stdout).outsider).toBeUndefined();
    expect(await f().calls('outsider')).toEqual([]);
    expect(await f().readFile('outsider', '/etc/multipath.conf')).toBeNull();
  });
});
