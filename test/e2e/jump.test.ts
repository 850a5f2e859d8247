/**
 * Jump hosts (OpenSSH ProxyJump in ansible_ssh_common_args): storage hosts known by names that only the
 * bastion resolves, so the run can only reach them through it; one shared connection to the bastion.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();
const out = (r: CliResult) => r.stdout + r.stderr;
/** Names only the bastion's /etc/hosts knows. */
const ALIAS: Record<string, string> = { alpha: 'storage-alpha.internal', bravo: 'storage-bravo.internal' };

describeNeeding(missing)('jump hosts (ProxyJump)', () => {
  let fleet: Fleet;
  let dir: string;
  let bastion: SimHost;
  let knownHosts: string;
  let playbook: string;

  const acceptedLogins = async () =>
    ((await fleet.readFile('bastion', '/var/log/sshd.log')) ?? '').split('\n').filter((l) => l.includes('Accepted '))
      .length;
  const inventory = (file: string, commonArgs: string) =>
    fleet.writeInventory({
      file: `${dir}/${file}`,
      extraHostVars: Object.fromEntries(
        fleet.hosts
          .filter((h) => h.name !== 'bastion')
          .map((h) => [
            h.name,
            { ansible_host: ALIAS[h.name], ansible_port: h.port, ansible_ssh_common_args: commonArgs },
          ]),
      ),
    });
  const run = (inv: string, ...extra: string[]) =>
    sshplay(['run', playbook, '-i', inv, '--known-hosts', knownHosts, '--limit', 'iser_hosts', ...extra], {
      env: { SSH_AUTH_SOCK: '' },
    });

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'bastion', flavor: 'rhel8', groups: ['jump'] },
        { name: 'alpha', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'bravo', flavor: 'sles15', groups: ['iser_hosts'] },
      ],
    });
    bastion = fleet.hosts.find((h) => h.name === 'bastion') as SimHost;
    dir = await tempDir('jump');
    const lines = fleet.hosts
      .filter((h) => h.name !== 'bastion')
      .map((h) => `${h.address} ${ALIAS[h.name]}`)
      .join('\n');
    const r = await fleet.exec('bastion', `printf '%s\\n' '${lines}' >> /etc/hosts`);
    expect(r.code, r.stderr).toBe(0);
    // known_hosts lists the storage hosts under the names the inventory uses, the bastion under its address
    const known = (await readFile(fleet.knownHostsFile, 'utf8')).split('\n').filter(Boolean);
    const renamed = known.map((line) => {
      const h = fleet.hosts.find((x) => line.startsWith(`${x.address} `) || line.startsWith(`[${x.address}]:`));
      if (!h || h.name === 'bastion') return line;
      const port = h.port === 22 ? '' : `:${h.port}`;
      const name = port ? `[${ALIAS[h.name]}]${port}` : ALIAS[h.name];
      return `${name} ${line.split(' ').slice(1).join(' ')}`;
    });
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${renamed.join('\n')}\n`);
    playbook = await writeTemp(
      dir,
      'mark.yml',
      `
- hosts: iser_hosts
  gather_facts: true
  tasks:
    - name: a file written through the bastion
      copy: { dest: /etc/sshplay-jump, content: "{{inventory_hostname}} via bastion\\n" }
`,
    );
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('without the jump host the storage names do not resolve: unreachable', async () => {
    const r = await run(await inventory('direct.yml', '-o ServerAliveInterval=30'));
    expect(r.code, out(r)).toBe(3);
    expect(out(r)).toMatch(/alpha: .*storage-alpha\.internal/);
  });

  it('through -o ProxyJump: both hosts done over one connection to the bastion; the second run changes nothing', async () => {
    const inv = await inventory('jump.yml', `-o ProxyJump=root@${bastion.address}:${bastion.port}`);
    const before = await acceptedLogins();
    const first = await run(inv);
    expect(first.code, out(first)).toBe(0);
    for (const name of ['alpha', 'bravo'])
      expect(await fleet.readFile(name, '/etc/sshplay-jump'), name).toBe(`${name} via bastion\n`);
    expect(await acceptedLogins()).toBe(before + 1);
    const second = await run(inv);
    expect(second.code, out(second)).toBe(0);
    for (const name of ['alpha', 'bravo']) expect(recap(second.stdout)[name]).toMatchObject({ changed: 0 });
  });

  it('a jump host that does not answer: every host behind it unreachable with that reason, the bastion tried once', async () => {
    const inv = await inventory('dead-jump.yml', `-J root@${bastion.address}:1`);
    const started = Date.now();
    const r = await run(inv);
    expect(r.code, out(r)).toBe(3);
    for (const name of ['alpha', 'bravo'])
      expect(out(r)).toMatch(
        new RegExp(`${name}: via jump host root@${bastion.address.replace(/\./g, '\\.')}:1: .*ECONNREFUSED`),
      );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a storage host key that does not match is refused even through the bastion', async () => {
    const inv = await inventory('jump-kh.yml', `-o ProxyJump=root@${bastion.address}:${bastion.port}`);
    const onlyBastion = join(dir, 'known_hosts_bastion_only');
    const lines = (await readFile(knownHosts, 'utf8')).split('\n').filter((l) => !l.includes('storage-'));
    await writeFile(onlyBastion, `${lines.join('\n')}\n`);
    const r = await sshplay(['run', playbook, '-i', inv, '--known-hosts', onlyBastion, '--limit', 'iser_hosts'], {
      env: { SSH_AUTH_SOCK: '' },
    });
    expect(r.code, out(r)).toBe(3);
    expect(out(r)).toMatch(/alpha: host key unknown/);
  });

  it('~/.ssh/config (-F): an inventory of bare names reached as ssh would, through the ProxyJump it names', async () => {
    const config = await writeTemp(
      dir,
      'ssh_config',
      `Host storage-*\n  User root\n  IdentityFile ${fleet.privateKeyFile}\n  ProxyJump root@${bastion.address}:${bastion.port}\n`,
    );
    const bare = await writeTemp(
      dir,
      'bare.yml',
      `iser_hosts:\n  hosts:\n${Object.values(ALIAS)
        .map((a) => `    ${a}: {}\n`)
        .join('')}`,
    );
    const r = await sshplay(['run', playbook, '-i', bare, '--known-hosts', knownHosts, '-F', config], {
      env: { SSH_AUTH_SOCK: '' },
    });
    expect(r.code, out(r)).toBe(0);
    for (const [name, alias] of Object.entries(ALIAS))
      expect(await fleet.readFile(name, '/etc/sshplay-jump'), name).toBe(`${alias} via bastion\n`);
    const missing = await sshplay(['run', playbook, '-i', bare, '--known-hosts', knownHosts, '-F', join(dir, 'nope')]);
    expect(missing.code, out(missing)).toBe(4);
    expect(out(missing)).toContain('cannot read ssh config');
  });
});
