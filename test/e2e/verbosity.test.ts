/**
 * -v to -vvvv, each adding what ansible-playbook's add (ansible-core 2.14: callback/default.py, connection/ssh.py,
 * playbook/helpers.py): -v the results' output and the config file read, -vv `task path: file:line` and the task
 * files imported, -vvv the connection's details (user, address, port, key file, jump host, each auth method tried
 * and the one that let the user in), -vvvv ssh2's protocol debug lines. An authentication failure names the user,
 * the address and the methods tried at every level; no password, become password or vault secret is ever printed.
 * Real sshd (the namespace fleet), the built CLI.
 */
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();
const LOGIN_PASSWORD = 'Login-Pw-verb-41c7';
const WRONG_PASSWORD = 'Wrong-Pw-verb-93d2';
const BECOME_PASSWORD = 'Become-Pw-verb-5e6f';

/** Line 4 is the task `say hi`, line 7 the import: `task path` must name exactly these. */
const SITE = `- name: verbosity
  hosts: all
  tasks:
    - name: say hi
      command: echo hi-from-the-host
      changed_when: false
    - import_tasks: extra.yml
`;
const EXTRA = `- name: imported task
  command: echo imported
  changed_when: false
`;

/** Waits until an sshd (re-executing after SIGHUP) greets on its port again. */
async function sshdAnswers(address: string, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const banner = await new Promise<string>((done) => {
      const socket = connect({ host: address, port }, () => undefined);
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('data', (d) => {
        socket.destroy();
        done(d.toString());
      });
      socket.once('error', () => done(''));
      socket.once('close', () => done(''));
    });
    if (banner.startsWith('SSH-2.0')) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:${port} did not come back`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const out = (r: CliResult) => r.stdout + r.stderr;

describeNeeding(missing)('verbosity: what each -v adds, and authentication failures', () => {
  let fleet: Fleet;
  let dir: string;
  let host: SimHost;
  let key: string;
  let site: string;
  let extra: string;
  const byLevel = new Map<number, CliResult>();

  const inventoryWith = (file: string, vars: Record<string, unknown>) =>
    fleet.writeInventory({ file: `${dir}/${file}`, extraHostVars: { alpha: vars } });
  const run = (inventory: string, ...extra: string[]) =>
    sshplay(['run', site, '-i', inventory, '--known-hosts', fleet.knownHostsFile, ...extra], {
      cwd: dir, // no ansible.cfg there: -v says so
      env: { SSH_AUTH_SOCK: '' },
      timeoutMs: 120_000,
    });

  beforeAll(async () => {
    fleet = await startNamespaceFleet({ hosts: [{ name: 'alpha', flavor: 'rhel8' }] });
    host = fleet.hosts[0] as SimHost;
    key = resolve(fleet.privateKeyFile);
    dir = await tempDir('verbosity');
    site = await writeTemp(dir, 'site.yml', SITE);
    extra = await writeTemp(dir, 'extra.yml', EXTRA);
    // A user who logs in with a password (sshd told to accept passwords, reloaded).
    const r = await fleet.exec(
      'alpha',
      [
        `useradd -m -s /bin/sh pwuser && echo 'pwuser:${LOGIN_PASSWORD}' | chpasswd`,
        "sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config",
        'kill -HUP 1',
      ].join(' && '),
    );
    expect(r.code, r.stderr).toBe(0);
    await sshdAnswers(host.address, host.port);
    // Secrets set but not needed to log in: none may appear at any level.
    const inventory = await inventoryWith('root.yml', { ansible_become_password: BECOME_PASSWORD });
    for (const level of [0, 1, 2, 3, 4]) {
      const r = await run(inventory, ...(level ? [`-${'v'.repeat(level)}`] : []));
      expect(r.code, out(r)).toBe(0);
      expect(recap(r.stdout).alpha?.failed).toBe(0);
      byLevel.set(level, r);
    }
  }, 300_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const level = (n: number) => out(byLevel.get(n) as CliResult);

  it('-v adds the results: command output, and which config file was read', () => {
    expect(level(0)).not.toContain('hi-from-the-host');
    expect(level(0)).not.toContain('config file');
    for (const n of [1, 2, 3, 4]) {
      expect(level(n)).toContain('    | hi-from-the-host');
      expect(level(n)).toContain('No config file found; using defaults');
    }
  });

  it('-vv adds the playbook, the task files it imports and each task path (file:line)', () => {
    for (const n of [0, 1]) {
      expect(level(n)).not.toContain('task path:');
      expect(level(n)).not.toContain('PLAYBOOK:');
    }
    for (const n of [2, 3, 4]) {
      const text = level(n);
      expect(text).toContain(`PLAYBOOK: ${site} `);
      expect(text).toContain(`1 plays in ${site}`);
      expect(text).toContain(`statically imported: ${extra}`);
      expect(text).toMatch(new RegExp(`task path: ${site}:4\\n.*ok: \\[alpha\\] say hi`));
      expect(text).toMatch(new RegExp(`task path: ${extra}:1\\n.*ok: \\[alpha\\] imported task`));
    }
  });

  it('-vvv adds the connection: user, address, port, key file, jump host, host key, methods tried and the one that worked', () => {
    for (const n of [0, 1, 2]) {
      expect(level(n)).not.toContain('ESTABLISH');
      expect(level(n)).not.toContain('authenticated as');
    }
    for (const n of [3, 4]) {
      const text = level(n);
      expect(text).toContain(
        `<alpha> ESTABLISH SSH CONNECTION FOR USER: root to ${host.address} port ${host.port} (key file ${key}, jump host none, connect timeout 10s)`,
      );
      expect(text).toMatch(/<alpha> host key ssh-ed25519 SHA256:\S+: trusted \(/);
      expect(text).toContain(`<alpha> auth methods in order: publickey (${key})`);
      expect(text).toContain(`<alpha> trying publickey (${key})`);
      expect(text).toContain(`<alpha> authenticated as root with publickey (${key})`);
      expect(text).toContain('<alpha> shell: /bin/sh as root; files over SFTP');
    }
  });

  it('-vvv names the jump host, and the jump host has its own connection lines', async () => {
    // alpha reached through itself: ProxyJump as Ansible users write it in ansible_ssh_common_args.
    const jump = `root@${host.address}`;
    const inventory = await inventoryWith('jump.yml', { ansible_ssh_common_args: `-o ProxyJump=${jump}` });
    const r = await run(inventory, '-vvv');
    expect(r.code, out(r)).toBe(0);
    expect(out(r)).toContain(
      `<alpha> ESTABLISH SSH CONNECTION FOR USER: root to ${host.address} port ${host.port} (key file ${key}, jump host ${jump},`,
    );
    expect(out(r)).toContain(
      `<jump host ${jump}> ESTABLISH SSH CONNECTION FOR USER: root to ${host.address} port ${host.port} (key file ${key}, jump host none,`,
    );
    expect(out(r)).toContain(`<jump host ${jump}> authenticated as root with publickey (${key})`);
  });

  it("-vvvv adds ssh2's protocol debug lines, and only -vvvv does", () => {
    for (const n of [0, 1, 2, 3]) expect(level(n)).not.toContain('ssh2: ');
    expect(level(4)).toContain('<alpha> ssh2: Handshake completed');
    expect(level(4)).toContain('<alpha> ssh2: Outbound: Sending USERAUTH_REQUEST (publickey');
  });

  it('no level prints the become password', () => {
    for (const n of [0, 1, 2, 3, 4]) expect(level(n)).not.toContain(BECOME_PASSWORD);
  });

  describe('an authentication failure names the user, the address and the methods tried, at every level', () => {
    it('a key the server does not know for the user, and a wrong password', async () => {
      const inventory = await inventoryWith('wrong.yml', { ansible_user: 'pwuser', ansible_password: WRONG_PASSWORD });
      const expected = `alpha: authentication failed for pwuser@${host.address}:${host.port}: tried publickey (${key}), password; the server accepts publickey,password`;
      for (const n of [0, 3, 4]) {
        const r = await run(inventory, ...(n ? [`-${'v'.repeat(n)}`] : []));
        expect(r.code, out(r)).toBe(3);
        expect(out(r)).toContain(expected);
        expect(out(r)).not.toContain(WRONG_PASSWORD);
        if (n >= 3) {
          expect(out(r)).toContain(`<alpha> publickey (${key}) refused; the server accepts publickey,password`);
          expect(out(r)).toContain('<alpha> password refused; the server accepts publickey,password');
        }
      }
    });

    it('the right password after the key: logged in with password; the password never printed', async () => {
      const inventory = await inventoryWith('pw.yml', { ansible_user: 'pwuser', ansible_password: LOGIN_PASSWORD });
      const r = await run(inventory, '-vvvv');
      expect(r.code, out(r)).toBe(0);
      expect(out(r)).toContain(`<alpha> auth methods in order: publickey (${key}), password`);
      expect(out(r)).toContain('<alpha> authenticated as pwuser with password');
      expect(out(r)).not.toContain(LOGIN_PASSWORD);
    });

    it('a method the server does not accept is named as not offered', async () => {
      // sshd back to keys only: the password is not even sent.
      const r0 = await fleet.exec(
        'alpha',
        "sed -i 's/^PasswordAuthentication yes/PasswordAuthentication no/' /etc/ssh/sshd_config && kill -HUP 1",
      );
      expect(r0.code, r0.stderr).toBe(0);
      await sshdAnswers(host.address, host.port);
      const inventory = await inventoryWith('nopw.yml', { ansible_user: 'pwuser', ansible_password: LOGIN_PASSWORD });
      const r = await run(inventory);
      expect(r.code, out(r)).toBe(3);
      expect(out(r)).toContain(
        `alpha: authentication failed for pwuser@${host.address}:${host.port}: tried publickey (${key}); not offered by the server: password; the server accepts publickey`,
      );
      expect(out(r)).not.toContain(LOGIN_PASSWORD);
    });
  });
});
