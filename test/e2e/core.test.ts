import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();

const PLAYBOOK = `
- name: core features
  hosts: all
  vars:
    motd: "managed by sshplay for {{inventory_hostname}} <&>"
  tasks:
    - name: a templated file
      copy:
        dest: /etc/sshplay-demo.conf
        content: "{{motd}}\\n"
        mode: "0640"
    - name: one key set, other lines kept
      lineinfile:
        path: /etc/sshplay-demo.ini
        regexp: '^key ='
        line: key = new
        create: true
      notify: restart multipathd
    - name: a directory
      file: { path: /var/lib/sshplay-demo, state: directory, mode: "0750" }
    - name: a command made idempotent by creates
      command: { cmd: touch /var/lib/sshplay-demo/stamp, creates: /var/lib/sshplay-demo/stamp }
  handlers:
    - name: restart multipathd
      service: { name: multipathd, state: restarted }
`;

describeNeeding(missing)('core runner against real sshd hosts', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let playbook: string;
  const base = () => [playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile];

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'alpha', flavor: 'rhel8', groups: ['web'] },
        { name: 'bravo', flavor: 'sles15', groups: ['web'] },
        { name: 'outsider', flavor: 'rhel8', groups: ['outside'] },
      ],
    });
    dir = await tempDir('core');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
    playbook = await writeTemp(dir, 'site.yml', PLAYBOOK.replace('hosts: all', 'hosts: web'));
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('--check --diff previews every change and changes nothing', async () => {
    const r = await sshplay(['run', ...base(), '--check', '--diff']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+managed by sshplay for alpha <&>');
    expect(r.stdout).toContain('+key = new');
    expect(r.stdout).toContain('would restart multipathd');
    expect(r.stdout).toContain('$ mkdir -p -- /var/lib/sshplay-demo');
    for (const h of ['alpha', 'bravo']) {
      expect(recap(r.stdout)[h]?.changed).toBeGreaterThan(0);
      expect(await fleet.readFile(h, '/etc/sshplay-demo.conf')).toBeNull();
      expect(await fleet.readFile(h, '/var/lib/sshplay-demo/stamp')).toBeNull();
    }
    for (const h of ['alpha', 'bravo']) {
      // Reads (systemctl is-active, ...) are logged too; nothing that changes state may appear.
      expect((await fleet.calls(h)).filter((l) => / systemctl (start|restart|enable|stop)/.test(l))).toEqual([]);
      expect(await fleet.readFile(h, '/etc/sshplay-demo.ini')).toBeNull();
    }
  });

  it('applies, then a second run reports changed=0; the outside host is never touched', async () => {
    const first = await sshplay(['run', ...base()]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const h of ['alpha', 'bravo']) {
      expect(await fleet.readFile(h, '/etc/sshplay-demo.conf')).toBe(`managed by sshplay for ${h} <&>\n`);
      expect(await fleet.readFile(h, '/etc/sshplay-demo.ini')).toBe('key = new\n');
      expect((await fleet.exec(h, 'stat -c %a /etc/sshplay-demo.conf')).stdout.trim()).toBe('640');
      expect((await fleet.calls(h)).some((l) => /systemctl restart multipathd/.test(l))).toBe(true);
    }
    const second = await sshplay(['run', ...base()]);
    expect(second.code).toBe(0);
    for (const h of ['alpha', 'bravo'])
      expect(recap(second.stdout)[h]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(await fleet.readFile('outsider', '/etc/sshplay-demo.conf')).toBeNull();
  });

  it('changed_when: false tasks run at their turn, in order, never early, and fresh after a write', async () => {
    // Each read-only task appends a letter to a log on the host, so the log says which ran and how often.
    const pb = await writeTemp(
      dir,
      'reads.yml',
      `
- hosts: alpha
  tasks:
    - name: read A (before any change)
      shell: echo A >> /root/reads.log; cat /root/state 2>/dev/null || echo none
      changed_when: false
      register: a
    - name: read B (also before any change)
      shell: echo B >> /root/reads.log
      changed_when: false
    - name: write the state
      copy: { content: "written\\n", dest: /root/state }
    - name: read C (after the write)
      shell: echo C >> /root/reads.log; cat /root/state
      changed_when: false
      register: c
    - name: read D (only when C said so; must not run early)
      shell: echo D >> /root/reads.log
      changed_when: false
      when: c.stdout == 'nope'
    - assert:
        that: ["c.stdout == 'written'"]
`,
    );
    const stats = `${dir}/read-stats.json`;
    const run = () =>
      sshplay(['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile], {
        env: { SSHPLAY_STATS_FILE: stats },
      });
    const first = await run();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // C is read after the file changed, and only then (a read ahead of the write would be stale).
    expect(await fleet.readFile('alpha', '/root/reads.log')).toBe('A\nB\nC\n');
    const second = await run();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(recap(second.stdout).alpha).toMatchObject({ changed: 0, failed: 0 });
    expect(await fleet.readFile('alpha', '/root/reads.log')).toBe('A\nB\nC\nA\nB\nC\n');
    // Issue 17.2: changed_when: false does not make a command a read, so none is read ahead. Issue 22.8: what
    // the next tasks read goes after a command in its round trip. The second run (the stats file's), counting
    // each wait on each channel (a file over SFTP is stat, open, read: 3): gathering (SFTP 3 + shell 1), the
    // play's prefetch (the copy's file over SFTP, 3), A and B each with the copy's file read again after it in
    // its round trip through the shell (2; before 22.8 each of those re-reads was an SFTP read of its own), C
    // (1); the copy writes nothing. 10 (6 when an SFTP batch counted once, whatever its waits).
    const s = JSON.parse(await readFile(stats, 'utf8')) as { connections: Record<string, { roundTrips: number }> };
    expect(s.connections.alpha?.roundTrips).toBe(10);
  });

  it("what a command said before a write is read again after it: a unit's state after its unit file is written", async () => {
    // The play's read-ahead takes `systemctl show` of the unit before the unit file exists (not-found); the
    // write changes what it says. Planned on the read from before the write, the service task said "was
    // not-found" of a unit that was there (and a plan may differ on it); read again, it sees it as it is.
    const unit = `sshplay-e2e-${Date.now()}`;
    const pb = await writeTemp(
      dir,
      'unit-after-write.yml',
      `
- hosts: alpha
  gather_facts: false
  tasks:
    - name: the unit file
      copy:
        dest: /etc/systemd/system/${unit}.service
        content: "[Unit]\\nDescription=e2e\\n[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n"
    - name: the unit started and enabled
      service: { name: ${unit}, state: started, enabled: true }
`,
    );
    const r = await sshplay(['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`enable ${unit} (was disabled)`);
    expect(r.stdout).not.toContain('not-found');
    await fleet.exec('alpha', `rm -f /etc/systemd/system/${unit}.service`);
  });

  it('import_tasks: a task file with a template beside the playbook runs where imported, when-gated', async () => {
    const project = await tempDir('import');
    await mkdir(join(project, 'tasks'));
    await mkdir(join(project, 'templates'));
    await writeFile(join(project, 'templates/motd.j2'), 'imported for {{inventory_hostname}} ({{flavour}})\n');
    await writeFile(
      join(project, 'tasks/motd.yml'),
      '- name: motd from a template\n  template: { src: motd.j2, dest: /etc/sshplay-imported }\n',
    );
    const pb = await writeTemp(
      project,
      'site.yml',
      `- hosts: web
  gather_facts: true
  tasks:
    - import_tasks: tasks/motd.yml
      vars: { flavour: "{{ansible_os_family}}" }
      when: inventory_hostname == "alpha"
`,
    );
    const args = ['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile];
    const first = await sshplay(args);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await fleet.readFile('alpha', '/etc/sshplay-imported')).toBe('imported for alpha (RedHat)\n');
    expect(await fleet.readFile('bravo', '/etc/sshplay-imported')).toBeNull();
    expect(recap(first.stdout).bravo).toMatchObject({ skipped: 1, changed: 0 });
    const second = await sshplay(args);
    expect(recap(second.stdout).alpha).toMatchObject({ changed: 0, failed: 0 });
  });

  it('roles: the role templates, defaults under inventory and -e, vars over them, handlers; then changed=0', async () => {
    const project = await tempDir('roles');
    const role = join(project, 'roles/motd');
    for (const [path, text] of Object.entries({
      'tasks/main.yml':
        '- name: motd\n  template: { src: motd.j2, dest: /etc/sshplay-role }\n  notify: note the change\n',
      'handlers/main.yml': '- name: note the change\n  shell: echo changed >> /var/log/sshplay-role-handler\n',
      'defaults/main.yml': 'greeting: hello\nsite: default-site\n',
      'vars/main.yml': 'owner: storage-team\n',
      'templates/motd.j2': '{{greeting}} from {{site}}, kept by {{owner}}\n',
    })) {
      await mkdir(dirname(join(role, path)), { recursive: true });
      await writeFile(join(role, path), text);
    }
    const pb = await writeTemp(project, 'site.yml', '- hosts: web\n  gather_facts: false\n  roles: [motd]\n');
    const inv = await fleet.writeInventory({
      file: `${project}/hosts.yml`,
      extraHostVars: { alpha: { site: 'rack-7' } },
    });
    const args = ['run', pb, '-i', inv, '--known-hosts', fleet.knownHostsFile];
    const first = await sshplay([...args, '-e', 'greeting=hi']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // alpha and bravo may share the line: results that print the same are grouped (changed: [alpha, bravo] ...).
    expect(first.stdout).toMatch(/^changed: \[(\w+, )*alpha(, \w+)*\] motd : motd/m);
    expect(await fleet.readFile('alpha', '/etc/sshplay-role')).toBe('hi from rack-7, kept by storage-team\n');
    expect(await fleet.readFile('bravo', '/etc/sshplay-role')).toBe('hi from default-site, kept by storage-team\n');
    expect(await fleet.readFile('alpha', '/var/log/sshplay-role-handler')).toBe('changed\n');
    const second = await sshplay([...args, '-e', 'greeting=hi']);
    for (const h of ['alpha', 'bravo']) expect(recap(second.stdout)[h]).toMatchObject({ changed: 0, failed: 0 });
    expect(await fleet.readFile('alpha', '/var/log/sshplay-role-handler')).toBe('changed\n');

    // import_role with tasks_from, among a play's tasks, with role parameters
    await writeFile(
      join(role, 'tasks/extra.yml'),
      '- name: extra\n  copy: { dest: /etc/sshplay-role-extra, content: "{{owner}} {{site}}\\n" }\n',
    );
    const pb2 = await writeTemp(
      project,
      'extra.yml',
      '- hosts: web\n  gather_facts: false\n  tasks:\n    - import_role: { name: motd, tasks_from: extra }\n      vars: { site: imported }\n',
    );
    const third = await sshplay(['run', pb2, '-i', inv, '--known-hosts', fleet.knownHostsFile]);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toMatch(/^changed: \[(\w+, )*bravo(, \w+)*\] motd : extra/m);
    expect(await fleet.readFile('bravo', '/etc/sshplay-role-extra')).toBe('storage-team imported\n');
  });

  it('block/rescue/always: a failure is rescued (rescued=1, host goes on), unrescued or failed rescue fails after always', async () => {
    const pb = await writeTemp(
      dir,
      'blocks.yml',
      `- hosts: web
  gather_facts: false
  vars:
    fail_rescue: "no"
  tasks:
    - name: clean slate
      shell: rm -f /var/log/sshplay-block
    - block:
        - shell: echo block-1 >> /var/log/sshplay-block
        - name: fails on alpha only
          shell: test "{{inventory_hostname}}" != alpha
        - shell: echo block-3 >> /var/log/sshplay-block
      rescue:
        - shell: echo rescue >> /var/log/sshplay-block
        - name: the rescue itself fails on alpha when asked
          shell: test "{{fail_rescue}}" != yes
        - shell: echo rescue-2 >> /var/log/sshplay-block
      always:
        - shell: echo always >> /var/log/sshplay-block
    - name: after the block
      shell: echo after >> /var/log/sshplay-block
`,
    );
    const args = ['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile];
    const rescued = await sshplay(args);
    expect(rescued.code, rescued.stdout + rescued.stderr).toBe(0);
    expect(await fleet.readFile('alpha', '/var/log/sshplay-block')).toBe('block-1\nrescue\nrescue-2\nalways\nafter\n');
    expect(await fleet.readFile('bravo', '/var/log/sshplay-block')).toBe('block-1\nblock-3\nalways\nafter\n');
    expect(recap(rescued.stdout).alpha).toMatchObject({ failed: 0, rescued: 1 });
    expect(recap(rescued.stdout).bravo).toMatchObject({ failed: 0, rescued: 0 });

    const failedRescue = await sshplay([...args, '-e', 'fail_rescue=yes']);
    expect(failedRescue.code).toBe(2);
    expect(await fleet.readFile('alpha', '/var/log/sshplay-block')).toBe('block-1\nrescue\nalways\n');
    expect(recap(failedRescue.stdout).alpha).toMatchObject({ failed: 1, rescued: 1 });
    expect(await fleet.readFile('bravo', '/var/log/sshplay-block')).toBe('block-1\nblock-3\nalways\nafter\n');

    // the same block without its rescue section
    const text = await readFile(pb, 'utf8');
    const withoutRescue = text.slice(0, text.indexOf('      rescue:')) + text.slice(text.indexOf('      always:'));
    expect(withoutRescue).not.toMatch(/^ {6}rescue:/m);
    const noRescue = await writeTemp(dir, 'no-rescue.yml', withoutRescue);
    const unrescued = await sshplay(['run', noRescue, '-i', inventory, '--known-hosts', fleet.knownHostsFile]);
    expect(unrescued.code).toBe(2);
    expect(await fleet.readFile('alpha', '/var/log/sshplay-block')).toBe('block-1\nalways\n');
    expect(recap(unrescued.stdout).alpha).toMatchObject({ failed: 1, rescued: 0 });
  });

  it('--limit narrows the play to the chosen hosts', async () => {
    const pb = await writeTemp(dir, 'all.yml', PLAYBOOK.replaceAll('/etc/sshplay-demo.conf', '/etc/limited.conf'));
    const r = await sshplay(['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '--limit', 'outside']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(Object.keys(recap(r.stdout))).toEqual(['outsider']);
    expect(await fleet.readFile('outsider', '/etc/limited.conf')).not.toBeNull();
    expect(await fleet.readFile('alpha', '/etc/limited.conf')).toBeNull();
  });

  it('an unreachable host gives exit 3 while the others complete', async () => {
    await fleet.stopHost('bravo');
    try {
      const pb = await writeTemp(
        dir,
        'unreach.yml',
        PLAYBOOK.replaceAll('/etc/sshplay-demo.conf', '/etc/unreach.conf'),
      );
      const r = await sshplay(['run', pb, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '--timeout', '3']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/unreachable: \[bravo\]/);
      expect(recap(r.stdout).bravo).toMatchObject({ unreachable: 1 });
      expect(recap(r.stdout).alpha).toMatchObject({ failed: 0, unreachable: 0 });
      expect(await fleet.readFile('alpha', '/etc/unreach.conf')).not.toBeNull();
    } finally {
      await fleet.startHost('bravo');
    }
  });
});
