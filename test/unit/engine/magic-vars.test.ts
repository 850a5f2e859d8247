/** Ansible's magic variables in templates, `when` and values: hostvars, groups, group_names, play hosts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runLocal } from './local-run.js';

describe('magic variables', () => {
  test("what host A set and registered in play 1 is hostvars['A'] for host B in play 2", async () => {
    const run = await runLocal(
      `
- hosts: first
  gather_facts: false
  tasks:
    - set_fact: { token: "from-{{ inventory_hostname }}" }
    - name: read
      command: echo registered-on-a
      register: echoed
      changed_when: false
- hosts: second
  gather_facts: false
  tasks:
    - name: copy
      copy:
        dest: "{{ dir }}/seen"
        content: "{{ hostvars['a'].token }} {{ hostvars['a'].echoed.stdout }} {{ hostvars.a.dir | basename }}"
    - name: skipped unless a is known
      debug: { msg: seen }
      when: hostvars['a'].token == 'from-a'
`,
      { hosts: ['a', 'b'], groups: { first: ['a'], second: ['b'] } },
    );
    expect(run.summary.failed).toEqual([]);
    expect(readFileSync(join(run.dir('b'), 'seen'), 'utf8')).toBe('from-a registered-on-a a');
    expect(run.resultsOf('b', 'skipped unless a is known')[0]?.status).toBe('ok');
  });

  test('groups, group_names, inventory_hostname and the play hosts lists', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - name: fail c
      fail: { msg: down }
      when: inventory_hostname == 'c'
    - name: show
      debug:
        msg: "{{ inventory_hostname }} {{ group_names | join(',') }} all={{ groups['all'] | join(',') }} play={{ ansible_play_hosts | join(',') }} batch={{ ansible_play_batch | join(',') }} play_hosts={{ play_hosts | join(',') }} every={{ ansible_play_hosts_all | join(',') }}"
`,
      { hosts: ['a', 'b', 'c', 'd'], groups: { web: ['a', 'c'], db: ['b', 'd'] } },
    );
    const shown = (host: string) => run.resultsOf(host, 'show')[0]?.msg;
    expect(shown('a')).toBe('a web all=a,b,c,d play=a,b,c,d batch=a,b play_hosts=a,b every=a,b,c,d');
    // c failed in batch 2: it leaves ansible_play_hosts and the batch, not ansible_play_hosts_all
    expect(shown('d')).toBe('d db all=a,b,c,d play=a,b,d batch=d play_hosts=d every=a,b,c,d');
    expect(run.summary.failed).toEqual(['c']);
  });

  test("another host's password in hostvars is masked like the host's own", async () => {
    const run = await runLocal(
      `
- hosts: b
  gather_facts: false
  tasks:
    - name: show
      debug: { msg: "{{ hostvars['a'].ansible_become_password }}" }
`,
      { hosts: ['a', 'b'], hostVars: { a: { ansible_become_password: 'hunter2-secret' } } },
    );
    expect(run.resultsOf('b', 'show')[0]?.msg).toBe('********');
  });

  test('a host not in the inventory is undefined in hostvars', async () => {
    const run = await runLocal(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: show
      debug: { msg: "defined={{ hostvars['nowhere'] is defined }}" }
`,
      { hosts: ['a'] },
    );
    expect(run.resultsOf('a', 'show')[0]?.msg).toBe('defined=False');
  });
});
