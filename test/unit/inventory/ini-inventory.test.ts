import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InventoryBuilder } from '../../../src/inventory/builder.js';
import { hostVars } from '../../../src/inventory/host-vars.js';
import { parseIniInventory, splitShellWords } from '../../../src/inventory/ini-inventory.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { configError, FIXTURES } from './temp-files.js';

function readIni(text: string) {
  const builder = new InventoryBuilder();
  parseIniInventory('hosts.ini', text, builder);
  return builder.build();
}

describe('INI inventory: the documented examples', () => {
  test('hosts before any section are ungrouped; [webservers] and [dbservers] hold theirs', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/hosts.ini'));
    expect([...inv.hosts.keys()]).toEqual([
      'mail.example.com',
      'foo.example.com',
      'bar.example.com',
      'one.example.com',
      'two.example.com',
      'three.example.com',
    ]);
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['mail.example.com']);
    expect(inv.groups.get('webservers')?.hosts).toEqual(['foo.example.com', 'bar.example.com']);
    expect(inv.groups.get('dbservers')?.hosts).toEqual(['one.example.com', 'two.example.com', 'three.example.com']);
    expect(inv.groups.get('all')?.children).toEqual(['ungrouped', 'webservers', 'dbservers']);
  });

  test('[southeast:children] and [usa:children] nest groups; [southeast:vars] reach their hosts', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/groups.ini'));
    expect(inv.groups.get('southeast')?.children).toEqual(['atlanta', 'raleigh']);
    expect(inv.groups.get('usa')?.children).toEqual(['southeast', 'northeast', 'southwest', 'northwest']);
    expect(inv.groups.get('atlanta')?.parents).toEqual(['southeast']);
    expect(inv.groups.get('atlanta')?.depth).toBe(3);
    // host2 is in atlanta and raleigh: one host, in both.
    expect(inv.hosts.get('host2')?.groups).toEqual(['all', 'usa', 'southeast', 'atlanta', 'raleigh']);
    expect(hostVars(inv, 'host3')).toMatchObject({
      some_server: 'foo.southeast.example.com',
      halon_system_timeout: 30,
      escape_pods: 2,
    });
  });

  test('host ranges, host:port, inline host vars and connection vars', async () => {
    const inv = await loadInventory(join(FIXTURES, 'docs/ranges.ini'));
    expect(inv.groups.get('webservers')?.hosts).toHaveLength(50);
    expect(inv.groups.get('webservers')?.hosts[49]).toBe('www50.example.com');
    expect(inv.groups.get('databases')?.hosts).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `db-${l}.example.com`),
    );
    expect(inv.hosts.get('host1')?.vars).toEqual({ http_port: 80, maxRequestsPerChild: 808 });
    expect(inv.hosts.get('badwolf.example.com')?.vars).toEqual({ ansible_port: 5309 });
    expect(inv.hosts.get('jumper')?.vars).toEqual({ ansible_port: 5555, ansible_host: '192.0.2.50' });
    expect(inv.hosts.get('other1.example.com')?.vars).toEqual({ ansible_connection: 'ssh', ansible_user: 'myuser' });
    expect(inv.groups.get('atlanta')?.vars).toEqual({
      ntp_server: 'ntp.atlanta.example.com',
      proxy: 'proxy.atlanta.example.com',
    });
  });

  test('the shipped example.ini reads like example.yml', async () => {
    const ini = await loadInventory('inventory/example.ini');
    const yml = await loadInventory('inventory/example.yml');
    expect(hostVars(ini, 'rhel-host-1')).toEqual(hostVars(yml, 'rhel-host-1'));
    expect(hostVars(ini, 'sles-host-1').iser_target_portals).toEqual(hostVars(yml, 'sles-host-1').iser_target_portals);
  });

  test('the shipped examples start no host subnet manager (no competing masters where the switch runs the SM)', async () => {
    for (const file of ['inventory/example.ini', 'inventory/example.yml']) {
      const inv = await loadInventory(file);
      for (const host of ['rhel-host-1', 'sles-host-1'])
        expect(hostVars(inv, host).opensm_port_priorities, `${file} ${host}`).toBeUndefined();
    }
  });
});

describe('INI inventory: syntax', () => {
  test('comments with # and ;, blank lines, trailing comments on host lines and headers', () => {
    const inv = readIni(
      '; a comment\n# another\n\n[web]   # the web tier\nw1 port=1 # ignored=2\n  ; indented comment\n',
    );
    expect(inv.groups.get('web')?.hosts).toEqual(['w1']);
    expect(inv.hosts.get('w1')?.vars).toEqual({ port: 1 });
  });

  test('host-line values: quotes group words and vanish, so quoted JSON becomes a list', () => {
    const inv = readIni(`h1 a='[1, 2]' b="two words" c=yes d=True e='{"k": "v"}' f=x\\ y g=""\n`);
    expect(inv.hosts.get('h1')?.vars).toEqual({
      a: [1, 2],
      b: 'two words',
      c: 'yes',
      d: true,
      e: { k: 'v' },
      f: 'x y',
      g: '',
    });
  });

  test('[group:vars] values: text after the first =, quoted JSON-ish values as lists', () => {
    const inv = readIni('[g]\nh\n[g:vars]\nurl = http://x/?a=b\nports=\'[15, 1]\'\nname="42"\ncount=42\n');
    expect(inv.groups.get('g')?.vars).toEqual({ url: 'http://x/?a=b', ports: [15, 1], name: '42', count: 42 });
  });

  test('[all:vars] and [ungrouped] sections are accepted', () => {
    const inv = readIni('[ungrouped]\nlone\n[all:vars]\nansible_user=root\n');
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['lone']);
    expect(inv.groups.get('all')?.vars).toEqual({ ansible_user: 'root' });
  });

  test('a host listed again gains groups and vars; later values win', () => {
    const inv = readIni('[a]\nh x=1 y=1\n[b]\nh y=2\n');
    expect(inv.hosts.get('h')?.groups).toEqual(['all', 'a', 'b']);
    expect(inv.hosts.get('h')?.vars).toEqual({ x: 1, y: 2 });
  });

  test('a child may be declared after the [parent:children] that names it', () => {
    const inv = readIni('[parent:children]\nkid\n[kid]\nh1\n');
    expect(inv.groups.get('parent')?.children).toEqual(['kid']);
    expect(inv.hosts.get('h1')?.groups).toEqual(['all', 'parent', 'kid']);
  });

  test('splitShellWords reports each word with its column', () => {
    const words = splitShellWords("  h1 a='x y'  b=2", () => ({ file: 'f' }));
    expect(words).toEqual([
      { text: 'h1', column: 3 },
      { text: 'a=x y', column: 6 },
      { text: 'b=2', column: 15 },
    ]);
  });
});

describe('INI inventory: errors carry file:line:column and the line', () => {
  test('a host variable without =', async () => {
    const e = await configError(() => readIni('[web]\nw1 ansible_port=22 oops\n'));
    expect(e.message).toContain('hosts.ini:2:20: expected key=value host variable');
    expect(e.message).toContain("got 'oops'");
    expect(e.message).toContain('w1 ansible_port=22 oops');
  });

  test('an unterminated quote', async () => {
    const e = await configError(() => readIni('[web]\nw1 a="open\n'));
    expect(e.message).toMatch(/^hosts\.ini:2:6: no closing quotation/);
  });

  test('an unknown section type', async () => {
    const e = await configError(() => readIni('[web:hosts]\nw1\n\n[web:things]\n'));
    expect(e.message).toContain("hosts.ini:4:6: section [web:things] has unknown type 'things'");
    expect(e.where?.excerpt).toBe('[web:things]');
  });

  test('a section header with spaces', async () => {
    const e = await configError(() => readIni('[web]\nw1\n[my group]\n'));
    expect(e.message).toContain('hosts.ini:3:1: invalid section header');
    expect(e.where?.excerpt).toBe('[my group]');
  });

  test('a [group:vars] line without =', async () => {
    const e = await configError(() => readIni('[web]\nw1\n[web:vars]\n  just_a_word\n'));
    expect(e.message).toContain("hosts.ini:4:3: expected key=value in [web:vars], got 'just_a_word'");
  });

  test('[group:vars] for a group never declared', async () => {
    const e = await configError(() => readIni('[web]\nw1\n[db:vars]\nport=5432\n'));
    expect(e.message).toContain("hosts.ini:3:1: section [db:vars] is for an undefined group 'db'");
  });

  test('[parent:children] naming a group never declared (as Ansible refuses the documented usa example)', async () => {
    const e = await configError(() => readIni('[southeast]\nh\n[usa:children]\nsoutheast\nnortheast\n'));
    expect(e.message).toContain("hosts.ini:5:1: section [usa:children] includes undefined group 'northeast'");
  });

  test('a bad host range or port', async () => {
    const range = await configError(() => readIni('[web]\n  www[10:01]\n'));
    expect(range.message).toContain('hosts.ini:2:3: host range must have begin <= end');
    const port = await configError(() => readIni('db:0\n'));
    expect(port.message).toContain("hosts.ini:1:1: invalid port '0'");
  });

  test('a group that is its own ancestor names the cycle', async () => {
    const e = await configError(() => readIni('[a:children]\nb\n[b:children]\nc\n[c:children]\na\n'));
    expect(e.message).toContain('hosts.ini:6:1: group cycle: c -> a -> b -> c');
  });
});

describe('an unclosed section header', () => {
  test('is an error with file and line, not a host named "[web"', async () => {
    const e = await configError(() => readIni('[all:vars]\nx=1\n[web\nw1\n'));
    expect(e.message).toMatch(/^hosts\.ini:3:\d+: invalid section header \(no closing \]\)/);
  });
});
