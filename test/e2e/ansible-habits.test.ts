import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();

/** Written as an Ansible user writes: FQCN modules, with_items, filters in values, facts under their names. */
const PLAYBOOK = `
- name: Ansible habits
  hosts: all
  vars:
    pkgs: [rdma-core, infiniband-diags, sg3_utils]
    cidr: 192.168.10.21/24
    hostile: "it's $(touch /tmp/habits-pwned) \`touch /tmp/habits-pwned\`; \\"x\\""
  tasks:
    - name: a summary built with filters and facts
      ansible.builtin.copy:
        dest: /etc/sshplay-habits.conf
        content: |
          pkgs={{ pkgs | join(',') | upper }}
          os={{ ansible_facts['distribution'] }} {{ ansible_distribution_major_version }} {{ ansible_os_family | lower }}
          arch={{ ansible_architecture }}
          net={{ cidr | ansible.utils.ipaddr('network') }}/{{ cidr | ansible.utils.ipaddr('prefix') }} mask={{ cidr | ansible.utils.ipaddr('netmask') }}
          count={{ pkgs | length }}
    - name: one line per selected item
      ansible.builtin.lineinfile:
        path: /etc/sshplay-habits.list
        line: "{{ item | upper }}"
        create: true
      with_items: "{{ pkgs | select('match', '^(rdma|sg3)') | list }}"
    - name: a hostile value through a Jinja expression in a shell script
      ansible.builtin.shell: printf '%s' {{ hostile | string }} > /tmp/habits-hostile
`;

describeNeeding(missing)('a playbook written with Ansible habits', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'alpha', flavor: 'rhel8' },
        { name: 'bravo', flavor: 'ubuntu22' },
      ],
    });
    dir = await tempDir('habits');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('runs: filters, facts, with_items and a quoted hostile value', async () => {
    const playbook = await writeTemp(dir, 'site.yml', PLAYBOOK);
    const r = await sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const arch = execFileSync('uname', ['-m']).toString().trim();
    const os = { alpha: 'RedHat 8 redhat', bravo: 'Ubuntu 22 debian' };
    for (const h of ['alpha', 'bravo'] as const) {
      expect(recap(r.stdout)[h]?.failed ?? 0).toBe(0);
      expect(await fleet.readFile(h, '/etc/sshplay-habits.conf')).toBe(
        `pkgs=RDMA-CORE,INFINIBAND-DIAGS,SG3_UTILS\nos=${os[h]}\narch=${arch}\nnet=192.168.10.0/24 mask=255.255.255.0\ncount=3\n`,
      );
      expect(await fleet.readFile(h, '/etc/sshplay-habits.list')).toBe('RDMA-CORE\nSG3_UTILS\n');
      expect(await fleet.readFile(h, '/tmp/habits-hostile')).toBe(
        'it\'s $(touch /tmp/habits-pwned) `touch /tmp/habits-pwned`; "x"',
      );
      expect(await fleet.readFile(h, '/tmp/habits-pwned')).toBeNull();
    }
  });

  it('refuses {% for %} in a value at load, before any host is touched', async () => {
    const playbook = await writeTemp(
      dir,
      'loop.yml',
      '- hosts: all\n  tasks:\n    - ansible.builtin.debug:\n        msg: "{% for p in pkgs %}{{ p }}{% endfor %}"\n',
    );
    const r = await sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /loop\.yml:4:15: \{% for %\} \(a Jinja loop\) is not supported in a value: put loop: on the task/,
    );
  });
});
