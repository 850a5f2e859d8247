/**
 * Output that scales (issue 20, point 7): `--check --diff` of playbooks/iser.yml piped (not a terminal) on a
 * fleet of twelve hosts stays within a bound per host, while every distinct change still shows: each host's
 * own HCA port GUIDs (in the opensm lines), its LUN's WWID and its IPoIB addresses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { cliMissing, e2eUnavailable, runPlaybookOn, sshplay, startSshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const HOSTS = 12;
/**
 * Lines each host may add beyond the first two (one per flavor: a RHEL and a SLES host write different files). Before grouping, every host added about 420 lines (8,394 at
 * 20 hosts, 20,914 at 50); grouped, 721 at 20 hosts and 991 at 50: a host adds its values to the lines
 * under each change that differs per host, about one line per few hosts per such change.
 */
const LINES_PER_EXTRA_HOST = 25;

describeNeeding(missing)('--check --diff output on a fleet: bounded, every distinct change shown', () => {
  let fleet: Fleet;
  let inventory: string;
  const checkDiff = (limit: string) =>
    runPlaybookOn(limit, fleet.knownHostsFile, inventory, 'iser.yml', '--check', '--diff');

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: Array.from({ length: HOSTS }, (_, i) => ({
        name: `host${i + 1}`,
        flavor: i % 2 === 0 ? ('rhel8' as const) : ('sles15' as const),
        groups: ['iser_hosts'],
      })),
    });
    const dir = await tempDir('output');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("each host beyond one of each flavor adds at most LINES_PER_EXTRA_HOST lines; every host's GUIDs, WWID, addresses show", async () => {
    const one = await checkDiff('host1,host2');
    expect(one.code, one.stdout.slice(-3000) + one.stderr).toBe(0);
    const r = await checkDiff('iser_hosts');
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    const lines = (text: string) => text.split('\n').length;
    expect(lines(r.stdout)).toBeLessThanOrEqual(lines(one.stdout) + (HOSTS - 2) * LINES_PER_EXTRA_HOST);
    for (const h of fleet.hosts) {
      for (const guid of h.guids) expect(r.stdout, `${h.name} ${guid}`).toContain(guid);
      expect(r.stdout, h.name).toContain(h.lunWwid);
      expect(r.stdout, h.name).toContain(`192.168.130.${11 + h.index}`);
      expect(r.stdout, h.name).toContain(`192.168.131.${11 + h.index}`);
    }
    // The same outcome on every host is one line naming them all, and a loop shows its label.
    expect(r.stdout).toContain(`ok: [host[1:${HOSTS}]] iser_target_iqn is the array's IQN`);
    expect(r.stdout).toContain(`[host[1:${HOSTS}]] 192.168.130.101 iface-ib0`);
    // A change that differs per host only in its GUIDs prints once, with each host's values.
    expect(r.stdout).toMatch(/\+start_sm «1» 15 \/var\/log\/opensm-ib0\.log|\+opensm -B -g «1» -p 15/);
    expect(r.stdout).toMatch(
      /^TOTAL 12 hosts: 0 unchanged, 12 changed, 0 failed, 0 unreachable; tasks ok=\d+ changed=\d+/m,
    );
  });
});

describeNeeding(cliMissing())('--json errors before the run, worksheet formats', () => {
  const events = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('a playbook that does not parse: stdout is JSON (start with the schema version, then the error and exit code)', async () => {
    const dir = await tempDir('output-json');
    const pb = await writeTemp(dir, 'pb.yml', '- hosts: all\n  tasks: [\n');
    const inv = await writeTemp(dir, 'hosts.ini', 'localhost ansible_connection=local\n');
    const r = await sshplay(['run', pb, '-i', inv, '--json']);
    expect(r.code).toBe(4);
    const [start, error, ...rest] = events(r.stdout);
    expect(start).toMatchObject({ type: 'start', schema_version: 2 });
    expect(error).toMatchObject({ type: 'error', kind: 'config', exit_code: 4 });
    expect(String(error?.msg)).toContain('pb.yml');
    expect(rest).toEqual([]);
    expect(r.stderr).toContain('ERROR:');
  });

  it('an unknown option with --json is a usage error event', async () => {
    const r = await sshplay(['run', 'x.yml', '--json', '--no-such-option']);
    expect(r.code).toBe(5);
    expect(events(r.stdout)[1]).toMatchObject({ type: 'error', kind: 'usage', exit_code: 5 });
    expect(String(events(r.stdout)[1]?.msg)).toContain('--no-such-option');
  });

  it('a run on a local host: the recap carries the exit code; an unreachable host has its own event', async () => {
    const dir = await tempDir('output-json-run');
    const inv = await writeTemp(
      dir,
      'hosts.ini',
      '[l]\nlocalhost ansible_connection=local\n[down]\ndown ansible_host=127.0.0.1 ansible_port=1\n',
    );
    const pb = await writeTemp(dir, 'pb.yml', '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: "true"\n');
    const r = await sshplay(['run', pb, '-i', inv, '--json', '--no-retry-file', '--known-hosts', `${dir}/known_hosts`]);
    expect(r.code, r.stderr).toBe(3);
    const all = events(r.stdout);
    expect(all[0]).toMatchObject({ type: 'start', schema_version: 2 });
    expect(all.filter((e) => e.type === 'unreachable').map((e) => e.host)).toEqual(['down']);
    expect(all.filter((e) => e.type === 'task_result' && e.status === 'unreachable')).toEqual([]);
    expect(all.at(-1)).toMatchObject({ type: 'recap', exit_code: 3 });
  });

  it('Ctrl-C exits 99 before the run (at the vault password prompt) and during it (piped); the recap says how to resume', async () => {
    const dir = await tempDir('output-sigint');
    const inv = await writeTemp(dir, 'hosts.ini', 'localhost ansible_connection=local\n');
    // -J reads the vault password from stdin, a pipe this test never writes to: sshplay waits before the run.
    const early = startSshplay(['run', join(dir, 'any.yml'), '-i', inv, '-J']);
    await waitFor(() => /password/i.test(early.output()), 'the password prompt');
    early.child.kill('SIGINT');
    expect((await early.done).code).toBe(99);

    const pb = await writeTemp(
      dir,
      'slow.yml',
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 2\n    - command: "true"\n',
    );
    const run = startSshplay(['run', pb, '-i', inv, '--known-hosts', `${dir}/known_hosts`]);
    await waitFor(() => run.output().includes('PLAY ['), 'the play to start');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(99);
    expect(r.stdout).toContain('Interrupted: no new tasks were started.');
    expect(r.stdout).toContain('To resume, run the same command again');
  });

  it('worksheet -o x.pdf is refused before any host is read', async () => {
    const dir = await tempDir('output-worksheet');
    const inv = await writeTemp(dir, 'hosts.ini', '[iser_hosts]\nh1 ansible_host=127.0.0.1 ansible_port=1\n');
    const r = await sshplay(['worksheet', '-i', inv, '-o', `${dir}/x.pdf`]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('.pdf is not a worksheet format; write to a .md (Markdown) or .html file');
    expect(existsSync(`${dir}/x.pdf`)).toBe(false);
  });
});
