/**
 * Engine features as a user runs them through the built CLI, on local-connection hosts (no root, no sshd):
 * each inventory host is `ansible_connection=local` with its own folder, so what a host did is on disk.
 */
import { readFileSync } from 'node:fs';
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
});
