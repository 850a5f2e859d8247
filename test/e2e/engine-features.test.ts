/**
 * Engine features as a user runs them through the built CLI, on local-connection hosts (no root, no sshd):
 * each inventory host is `ansible_connection=local` with its own folder, so what a host did is on disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { cliMissing, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const describeWithCli = describeNeeding(cliMissing());

/** An inventory of local hosts, each with `dir` its own folder under `base`. */
async function localInventory(base: string, groups: Record<string, string[]>): Promise<string> {
  const lines = Object.entries(groups).flatMap(([group, hosts]) => [
    `[${group}]`,
    ...hosts.map((h) => `${h} ansible_connection=local dir=${join(base, h)}`),
  ]);
  return writeTemp(base, 'hosts.ini', `${lines.join('\n')}\n`);
}

describeWithCli('engine features through the CLI', () => {
  it('hostvars: what a host set and registered in play 1 is read by another host in play 2; groups and group_names', async () => {
    const base = await tempDir('hostvars');
    const inv = await localInventory(base, { producers: ['alpha'], consumers: ['beta'] });
    const pb = await writeTemp(
      base,
      'site.yml',
      `
- hosts: producers
  gather_facts: false
  tasks:
    - file: { path: "{{ dir }}", state: directory }
    - set_fact: { token: "token-of-{{ inventory_hostname }}" }
    - name: register
      command: echo registered
      register: said
      changed_when: false
- hosts: consumers
  gather_facts: false
  tasks:
    - file: { path: "{{ dir }}", state: directory }
    - name: write what alpha had
      copy:
        dest: "{{ dir }}/from-alpha"
        content: "{{ hostvars['alpha'].token }} {{ hostvars['alpha'].said.stdout }} groups={{ groups['all'] | join(',') }} mine={{ group_names | join(',') }} play={{ ansible_play_hosts | join(',') }}"
      when: hostvars['alpha'].token is defined
`,
    );
    const r = await sshplay(['run', pb, '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(base, 'beta', 'from-alpha'), 'utf8')).toBe(
      'token-of-alpha registered groups=alpha,beta mine=consumers play=beta',
    );
    expect(recap(r.stdout).beta).toMatchObject({ failed: 0, changed: 2 });
  });

  it('nested blocks, include_tasks with a loop, delegate_to (localhost and an inventory host) and run_once', async () => {
    const base = await tempDir('features');
    const inv = await localInventory(base, { web: ['alpha', 'beta'], tools: ['helper'] });
    await writeTemp(base, 'per-port.yml', '- shell: echo port-{{ port }}-{{ suffix }} >> {{ dir }}/log\n');
    const pb = await writeTemp(
      base,
      'site.yml',
      `
- hosts: web
  gather_facts: false
  tasks:
    - file: { path: "{{ dir }}", state: directory }
    - block:
        - block:
            - name: breaks
              command: "false"
          always:
            - shell: echo inner-always >> {{ dir }}/log
      rescue:
        - shell: echo outer-rescue >> {{ dir }}/log
    - include_tasks: per-port.yml
      loop: [1, 2]
      loop_control: { loop_var: port }
      vars: { suffix: "{{ inventory_hostname }}" }
    - name: on the controller, once
      command: echo once
      delegate_to: localhost
      run_once: true
      register: once
      changed_when: false
    - name: on the helper
      shell: echo {{ inventory_hostname }} >> {{ dir }}/delegated
      delegate_to: helper
    - copy: { dest: "{{ dir }}/once", content: "{{ once.stdout }}" }
`,
    );
    const stats = join(base, 'stats.json');
    const r = await sshplay(['run', pb, '-i', inv], { env: { SSHPLAY_STATS_FILE: stats } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const host of ['alpha', 'beta']) {
      expect(readFileSync(join(base, host, 'log'), 'utf8')).toBe(
        `inner-always\nouter-rescue\nport-1-${host}\nport-2-${host}\n`,
      );
      // delegated: run on the helper's connection, with the original host's variables (its dir, its name)
      expect(readFileSync(join(base, host, 'delegated'), 'utf8')).toBe(`${host}\n`);
      expect(readFileSync(join(base, host, 'once'), 'utf8')).toBe('once');
      expect(recap(r.stdout)[host]).toMatchObject({ failed: 0, rescued: 1 });
    }
    expect(existsSync(join(base, 'helper'))).toBe(false);
    expect(recap(r.stdout).helper).toBeUndefined();
    const connections = (JSON.parse(await readFile(stats, 'utf8')) as { connections: Record<string, unknown> })
      .connections;
    expect(Object.keys(connections).sort()).toEqual(['alpha', 'beta', 'helper', 'localhost']);
  });
});
