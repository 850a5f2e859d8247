/**
 * Logins other than root's key, and `become`: password logins (ansible_password, -k), and logging in as an unprivileged admin user and running the iSER playbooks as root through sudo
 * (real sudo, real sshd, the namespace fleet). The session's shell runs under `sudo -S`, and files travel
 * through that shell (SFTP would run as the login user and could not write /etc).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { type CliResult, e2eUnavailable, recap, sshplay, sshplayWithInput, tempDir, writeTemp } from './helpers.js';
import { iserAssertions } from './iser-assertions.js';

const missing = e2eUnavailable();
const PASSWORD = 'Sudo-Pw-7f3a9c';
const LOGIN_PASSWORD = 'Login-Pw-2b8e1d';

/** Waits until an sshd (re-executing after SIGHUP) greets on its port again. */
async function sshdAnswers(address: string, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const banner = await new Promise<string>((resolve) => {
      const socket = connect({ host: address, port }, () => undefined);
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString());
      });
      socket.once('error', () => resolve(''));
      socket.once('close', () => resolve(''));
    });
    if (banner.startsWith('SSH-2.0')) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:${port} did not come back`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const out = (r: CliResult) => r.stdout + r.stderr;

/** A login user with the fleet's key; `sudoers` is its /etc/sudoers.d line, or none. */
function addUser(user: string, sudoers: string | null): string {
  return [
    `useradd -m -s /bin/sh ${user}`,
    `echo '${user}:${PASSWORD}' | chpasswd`,
    `install -d -m 700 -o ${user} -g ${user} /home/${user}/.ssh`,
    `install -m 600 -o ${user} -g ${user} /root/.ssh/authorized_keys /home/${user}/.ssh/authorized_keys`,
    sudoers ? `echo '${sudoers}' > /etc/sudoers.d/${user} && chmod 440 /etc/sudoers.d/${user}` : 'true',
  ].join(' && ');
}

describeNeeding(missing)('become: an admin user with sudo runs the iSER playbooks as root', () => {
  let fleet: Fleet;
  let dir: string;
  const check = () => iserAssertions(() => fleet);

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'alpha', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'bravo', flavor: 'sles15', groups: ['iser_hosts'] },
      ],
    });
    dir = await tempDir('become');
    for (const h of fleet.hosts) {
      const r = await fleet.exec(
        h.name,
        [
          addUser('deploy', 'deploy ALL=(ALL) ALL'),
          addUser('nopw', 'nopw ALL=(ALL) NOPASSWD: ALL'),
          addUser('outsider', null),
          // a user who logs in with a password only (no key), sshd told to accept passwords, reloaded
          `useradd -m -s /bin/sh pwuser && echo 'pwuser:${LOGIN_PASSWORD}' | chpasswd`,
          `echo 'pwuser ALL=(ALL) ALL' > /etc/sudoers.d/pwuser && chmod 440 /etc/sudoers.d/pwuser`,
          "sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config",
          'kill -HUP 1',
        ].join(' && '),
      );
      expect(r.code, r.stderr).toBe(0);
    }
    for (const h of fleet.hosts) await sshdAnswers(h.address, h.port);
  }, 300_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const inventoryFor = (file: string, vars: Record<string, unknown>) =>
    fleet.writeInventory({
      file: `${dir}/${file}`,
      extraHostVars: Object.fromEntries(fleet.hosts.map((h) => [h.name, vars])),
    });
  const run = (inventory: string, playbook: string, ...extra: string[]) =>
    sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, ...extra], {
      env: { SSH_AUTH_SOCK: '' },
      timeoutMs: 240_000,
    });

  it('iser.yml as deploy with a sudo password: the document end state, root-owned files, then changed=0', async () => {
    const inventory = await inventoryFor('deploy.yml', { ansible_user: 'deploy', ansible_become_password: PASSWORD });
    const statOf = (host: string) => fleet.exec(host, 'stat -c "%U:%G %a" /etc/iscsi/iscsid.conf /etc/multipath.conf');
    const before = await statOf('alpha');
    // --check --diff through sudo: root-only iscsid.conf (0600) is read and diffed, nothing is written
    const conf = await fleet.readFile('alpha', '/etc/iscsi/iscsid.conf');
    const preview = await run(inventory, 'playbooks/iser.yml', '--limit', 'iser_hosts', '--check', '--diff');
    expect(preview.code, out(preview).slice(-3000)).toBe(0);
    expect(preview.stdout).toContain('+node.startup = automatic');
    expect(await fleet.readFile('alpha', '/etc/iscsi/iscsid.conf')).toBe(conf);
    const first = await run(inventory, 'playbooks/iser.yml', '--limit', 'iser_hosts', '-v');
    expect(first.code, out(first).slice(-4000)).toBe(0);
    expect(out(first)).not.toContain(PASSWORD);
    for (const h of fleet.hosts) {
      await check().endState(h);
      // written by root through sudo: root's files, an existing file's mode kept (iscsid.conf is 0600)
      const [iscsid, multipath] = (await statOf(h.name)).stdout.trim().split('\n');
      expect(iscsid, h.name).toBe(before.stdout.split('\n')[0]);
      expect(iscsid, h.name).toBe('root:root 600');
      expect(multipath, h.name).toMatch(/^root:root \d+$/);
      // no temporary file of an atomic write is left beside its target
      const leftovers = await fleet.exec(h.name, 'find /etc -name "*.sshplay-*"');
      expect(leftovers.stdout.trim(), h.name).toBe('');
    }
    const second = await run(inventory, 'playbooks/iser.yml', '--limit', 'iser_hosts');
    expect(second.code, out(second).slice(-3000)).toBe(0);
    for (const h of fleet.hosts)
      expect(recap(second.stdout)[h.name], h.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
  });

  it('commands run as root, the login user stays deploy; NOPASSWD needs no password', async () => {
    const pb = await writeTemp(
      dir,
      'whoami.yml',
      `
- hosts: all
  become: yes
  gather_facts: false
  tasks:
    - name: who runs the commands
      command: id -un
      register: who
      changed_when: false
    - name: as root, through sudo from the login user
      assert:
        that: ['who.stdout == "root"']
    - name: sudo saw the login user
      shell: echo "$SUDO_USER"
      register: login
      changed_when: false
    - assert:
        that: ['login.stdout == ansible_user']
`,
    );
    for (const [user, vars] of [
      ['deploy', { ansible_user: 'deploy', ansible_become_password: PASSWORD }],
      ['nopw', { ansible_user: 'nopw' }],
    ] as const) {
      const inventory = await inventoryFor(`${user}-who.yml`, vars);
      const r = await run(inventory, pb);
      expect(r.code, out(r)).toBe(0);
      for (const h of fleet.hosts) expect(recap(r.stdout)[h.name], `${user}@${h.name}`).toMatchObject({ failed: 0 });
    }
  });

  it('-u, --private-key, -b and --become-user as ansible-playbook takes them; the inventory ansible_user wins over -u', async () => {
    const pb = await writeTemp(
      dir,
      'cli-who.yml',
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: who runs the commands
      command: id -un
      register: who
      changed_when: false
    - debug: { msg: "runs as {{who.stdout}}" }
`,
    );
    // An inventory with addresses only: who logs in and with which key comes from the command line.
    const hosts = Object.fromEntries(
      fleet.hosts.map((h) => [h.name, { ansible_host: h.address, ansible_port: h.port }]),
    );
    const bare = await writeTemp(dir, 'bare.yml', JSON.stringify({ all: { hosts } }));
    const cli = (...extra: string[]) =>
      sshplay(['run', pb, '-i', bare, '--known-hosts', fleet.knownHostsFile, '-v', ...extra], {
        env: { SSH_AUTH_SOCK: '' },
      });
    const plain = await cli('-u', 'nopw', '--private-key', fleet.privateKeyFile);
    expect(plain.code, out(plain)).toBe(0);
    expect(plain.stdout).toContain('runs as nopw');
    const become = await cli('-u', 'nopw', '--private-key', fleet.privateKeyFile, '-b');
    expect(become.code, out(become)).toBe(0);
    expect(become.stdout).toContain('runs as root');
    expect(become.stdout).not.toContain('runs as nopw');
    const other = await cli('-u', 'nopw', '--private-key', fleet.privateKeyFile, '-b', '--become-user', 'deploy');
    expect(other.code, out(other)).toBe(0);
    expect(other.stdout).toContain('runs as deploy');
    // No key given: the login is refused, named per host (exit 3), nothing else tried behind the user's back.
    const nokey = await cli('-u', 'nopw');
    expect(nokey.code, out(nokey)).toBe(3);
    // The inventory's ansible_user wins over -u, as in Ansible.
    const inventory = await inventoryFor('nopw-wins.yml', { ansible_user: 'nopw' });
    const wins = await sshplay(
      ['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '-v', '-u', 'deploy'],
      {
        env: { SSH_AUTH_SOCK: '' },
      },
    );
    expect(wins.code, out(wins)).toBe(0);
    expect(wins.stdout).toContain('runs as nopw');
  });

  it('a wrong password, a missing one and a user without sudo rights: unreachable with the reason, nothing run', async () => {
    const pb = await writeTemp(
      dir,
      'mark.yml',
      `
- hosts: all
  become: true
  gather_facts: false
  tasks:
    - name: mark
      copy: { dest: /etc/sshplay-become-mark, content: "x\\n" }
`,
    );
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        'wrong',
        { ansible_user: 'deploy', ansible_become_password: 'not-the-password' },
        /sudo refused the become password/,
      ],
      ['missing', { ansible_user: 'deploy' }, /sudo asks for a password; set ansible_become_password/],
      ['outsider', { ansible_user: 'outsider', ansible_become_password: PASSWORD }, /not in the sudoers/],
    ];
    for (const [name, vars, reason] of cases) {
      const inventory = await inventoryFor(`${name}.yml`, vars);
      const started = Date.now();
      const r = await run(inventory, pb);
      expect(r.code, `${name}: ${out(r)}`).toBe(3);
      expect(out(r), name).toMatch(reason);
      expect(out(r), name).not.toContain(PASSWORD);
      expect(out(r), name).not.toContain('not-the-password');
      // one refused try, not sudo's three with their failure delays
      expect(Date.now() - started, name).toBeLessThan(30_000);
      for (const h of fleet.hosts) expect(await fleet.readFile(h.name, '/etc/sshplay-become-mark'), name).toBeNull();
    }
  });

  it('a play that says become: false beside become: true is refused before any host is touched (exit 4)', async () => {
    const pb = await writeTemp(
      dir,
      'mixed.yml',
      `
- hosts: all
  become: true
  gather_facts: false
  tasks:
    - name: as root
      command: "true"
- hosts: all
  gather_facts: false
  tasks:
    - name: as the login user
      become: false
      command: "true"
`,
    );
    const inventory = await inventoryFor('mixed-inventory.yml', {
      ansible_user: 'deploy',
      ansible_become_password: PASSWORD,
    });
    const r = await run(inventory, pb);
    expect(r.code, out(r)).toBe(4);
    expect(out(r)).toMatch(/mixed\.yml:11:\d+: become: false, but .*mixed\.yml:2:\d+ asks become: true/);
  });

  it('password login: ansible_password, then -k from stdin; a wrong one is refused and never printed', async () => {
    const pb = await writeTemp(
      dir,
      'login.yml',
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: who logged in
      command: id -un
      register: who
      changed_when: false
    - assert:
        that: ['who.stdout == "pwuser"']
`,
    );
    const withPassword = await inventoryFor('pw.yml', { ansible_user: 'pwuser', ansible_password: LOGIN_PASSWORD });
    const r = await run(withPassword, pb);
    expect(r.code, out(r)).toBe(0);
    expect(out(r)).not.toContain(LOGIN_PASSWORD);

    const noPassword = await inventoryFor('pw-ask.yml', { ansible_user: 'pwuser' });
    const asked = await sshplayWithInput(
      ['run', pb, '-i', noPassword, '--known-hosts', fleet.knownHostsFile, '-k'],
      `${LOGIN_PASSWORD}\n`,
      { SSH_AUTH_SOCK: '' },
    );
    expect(asked.code, out(asked)).toBe(0);
    expect(asked.stderr).toContain('SSH password: ');
    expect(out(asked)).not.toContain(LOGIN_PASSWORD);

    const wrong = await inventoryFor('pw-wrong.yml', { ansible_user: 'pwuser', ansible_password: 'Wrong-Pw-000' });
    const refused = await run(wrong, pb);
    expect(refused.code, out(refused)).toBe(3);
    expect(out(refused)).toMatch(
      /authentication failed for pwuser@\S+: tried publickey \(\S+\), password; the server accepts publickey,password/,
    );
    expect(out(refused)).not.toContain('Wrong-Pw-000');
  });

  it('-k and -K both piped, a line each: login with a password, then sudo to root', async () => {
    const pb = await writeTemp(
      dir,
      'login-root.yml',
      `
- hosts: all
  become: true
  gather_facts: false
  tasks:
    - command: id -un
      register: who
      changed_when: false
    - assert:
        that: ['who.stdout == "root"']
`,
    );
    const inventory = await inventoryFor('pw-become.yml', { ansible_user: 'pwuser' });
    // both secrets piped, one line each, in the order asked: SSH password, then BECOME password
    const r = await sshplayWithInput(
      ['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '-k', '-K'],
      `${LOGIN_PASSWORD}\n${LOGIN_PASSWORD}\n`,
      { SSH_AUTH_SOCK: '' },
    );
    expect(r.stderr).toContain('SSH password: ');
    expect(r.stderr).toContain('BECOME password: ');
    expect(r.code, out(r)).toBe(0);
    for (const h of fleet.hosts) expect(recap(r.stdout)[h.name], h.name).toMatchObject({ ok: 2, failed: 0 });
  });
});
