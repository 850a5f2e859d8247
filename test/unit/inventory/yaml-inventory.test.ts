import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InventoryBuilder } from '../../../src/inventory/builder.js';
import { hostVars } from '../../../src/inventory/host-vars.js';
import { renderInventoryList } from '../../../src/inventory/list-json.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { parseYamlInventory } from '../../../src/inventory/yaml-inventory.js';
import { configError, FIXTURES } from './temp-files.js';

function readYaml(text: string) {
  const builder = new InventoryBuilder();
  parseYamlInventory('hosts.yml', text, builder);
  return builder.build();
}

describe('YAML inventory: the documented examples', () => {
  test('the first example reads the same as its INI form', async () => {
    const yml = await loadInventory(join(FIXTURES, 'docs/hosts.yml'));
    const ini = await loadInventory(join(FIXTURES, 'docs/hosts.ini'));
    expect(renderInventoryList(yml)).toEqual(renderInventoryList(ini));
    expect(yml.groups.get('ungrouped')?.hosts).toEqual(['mail.example.com']);
    expect(yml.groups.get('dbservers')?.hosts).toHaveLength(3);
  });

  test('nested children (usa > southeast > atlanta) and group vars read the same as the INI form', async () => {
    const yml = await loadInventory(join(FIXTURES, 'docs/groups.yml'));
    const ini = await loadInventory(join(FIXTURES, 'docs/groups.ini'));
    expect(yml.groups.get('southeast')?.parents).toEqual(['usa']);
    expect(yml.groups.get('raleigh')?.depth).toBe(3);
    expect(yml.hosts.get('host2')?.groups).toEqual(ini.hosts.get('host2')?.groups);
    expect(hostVars(yml, 'host1')).toEqual(hostVars(ini, 'host1'));
    expect(hostVars(yml, 'host1').self_destruct_countdown).toBe(60);
  });

  test('ranges, host:port keys and host vars read the same as the INI form', async () => {
    const yml = await loadInventory(join(FIXTURES, 'docs/ranges.yml'));
    const ini = await loadInventory(join(FIXTURES, 'docs/ranges.ini'));
    expect(yml.groups.get('webservers')?.hosts).toHaveLength(50);
    expect(yml.hosts.get('badwolf.example.com')?.vars).toEqual({ ansible_port: 5309 });
    expect(renderInventoryList(yml)).toEqual(renderInventoryList(ini));
  });
});

describe('YAML inventory: structure', () => {
  test('top-level groups other than all hang under all; hosts with null values have no vars', () => {
    const inv = readYaml('web:\n  hosts:\n    w1:\n    w2: ~\n');
    expect(inv.groups.get('web')?.parents).toEqual(['all']);
    expect(inv.hosts.get('w1')?.vars).toEqual({});
    expect(inv.hosts.get('w2')?.groups).toEqual(['all', 'web']);
  });

  test('nesting to any depth, a group under two parents, an empty group', () => {
    const inv = readYaml(`all:
  children:
    a:
      children:
        b:
          children:
            c:
              children:
                d:
                  hosts: { deep: { x: 1 } }
    other:
      children:
        d:
    empty:
`);
    expect(inv.groups.get('d')?.parents).toEqual(['c', 'other']);
    expect(inv.groups.get('d')?.depth).toBe(4);
    expect(inv.hosts.get('deep')?.groups).toEqual(['all', 'a', 'other', 'b', 'c', 'd']);
    expect(inv.groups.get('empty')?.hosts).toEqual([]);
  });

  test('hosts directly under all are ungrouped; a port in the key yields to an explicit ansible_port', () => {
    const inv = readYaml('all:\n  hosts:\n    lone:2222:\n    two:2222: { ansible_port: 2200 }\n');
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['lone', 'two']);
    expect(inv.hosts.get('lone')?.vars).toEqual({ ansible_port: 2222 });
    expect(inv.hosts.get('two')?.vars).toEqual({ ansible_port: 2200 });
  });

  test('anchors, aliases and merge keys in vars', () => {
    const inv = readYaml(`all:
  vars:
    common: &common { user: admin, port: 22 }
  children:
    web:
      vars:
        <<: *common
        port: 8080
      hosts: { w1: *common }
`);
    expect(inv.groups.get('web')?.vars).toEqual({ user: 'admin', port: 8080 });
    expect(inv.hosts.get('w1')?.vars).toEqual({ user: 'admin', port: 22 });
  });

  test('an empty document is an empty inventory', () => {
    const inv = readYaml('# nothing yet\n');
    expect(inv.hosts.size).toBe(0);
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped']);
  });
});

describe('YAML inventory: errors carry the path in the document and file:line:column', () => {
  test('hosts: as a list', async () => {
    const e = await configError(() =>
      readYaml('all:\n  children:\n    web:\n      hosts:\n        - w1\n        - w2\n'),
    );
    expect(e.message).toContain('hosts.yml:5:9: all.children.web.hosts must be a mapping of host names');
    expect(e.message).toContain('not a list');
    expect(e.where?.excerpt).toBe('        - w1');
  });

  test('vars: as a string and children: as a list', async () => {
    const vars = await configError(() => readYaml('web:\n  vars: port=80\n'));
    expect(vars.message).toContain('hosts.yml:2:9: web.vars must be a mapping of variable names to values');
    const children = await configError(() => readYaml('all:\n  children: [web, db]\n'));
    expect(children.message).toContain('hosts.yml:2:13: all.children must be a mapping of group names');
  });

  test('host variables that are not a mapping', async () => {
    const e = await configError(() => readYaml('web:\n  hosts:\n    w1: 10.0.0.1\n'));
    expect(e.message).toContain('hosts.yml:3:9: web.hosts.w1: host variables must be a mapping');
  });

  test('a misspelt key in a group', async () => {
    const e = await configError(() => readYaml('all:\n  children:\n    web:\n      host:\n        w1:\n'));
    expect(e.message).toContain("hosts.yml:4:7: all.children.web: unexpected key 'host'");
  });

  test('a group that is a list, and a document that is a list', async () => {
    const group = await configError(() => readYaml('web:\n  - w1\n'));
    expect(group.message).toContain('hosts.yml:2:3: web: a group is a mapping');
    const top = await configError(() => readYaml('- web\n'));
    expect(top.message).toContain('hosts.yml:1:1: a YAML inventory is a mapping of groups');
  });

  test('YAML syntax errors', async () => {
    const e = await configError(() => readYaml('all:\n  hosts:\n    w1: {a: 1\n'));
    expect(e.message).toMatch(/^hosts\.yml:\d+:\d+: YAML syntax error/);
    const dup = await configError(() => readYaml('web:\n  hosts:\n    w1:\n    w1:\n'));
    expect(dup.message).toBe(
      "hosts.yml:4:5: YAML syntax error: 'w1' is set twice in the same mapping (first at line 3): YAML would keep only one; remove or rename one of them\n        w1:\n        ^",
    );
    const indent = await configError(() => readYaml('all:\n  hosts:\n    a:\n   b:\n'));
    expect(indent.message).toBe(
      "hosts.yml:4:4: YAML syntax error: 'b' is indented 3 spaces, which fits no mapping above (line 3 is indented 4): the keys of one mapping start in the same column\n       b:\n       ^",
    );
    const quote = await configError(() => readYaml('all:\n  vars:\n    motd: "hello\n'));
    expect(quote.message).toMatch(
      /^hosts\.yml:3:\d+: YAML syntax error: a quoted value is not closed: add the closing "/,
    );
    expect(quote.message).not.toMatch(/Missing closing/);
  });

  test('a cycle through children', async () => {
    const e = await configError(() => readYaml('a:\n  children:\n    b:\n      children:\n        a:\n'));
    expect(e.message).toContain('hosts.yml:5:9: group cycle: b -> a -> b');
  });

  test('a bad range in a host key', async () => {
    const e = await configError(() => readYaml('web:\n  hosts:\n    w[5:1]:\n'));
    expect(e.message).toContain('hosts.yml:3:5: web.hosts: host range must have begin <= end');
  });

  test('an inventory plugin configuration', async () => {
    const e = await configError(() => readYaml('plugin: amazon.aws.aws_ec2\n'));
    expect(e.message).toContain('hosts.yml:1:1: inventory plugin configurations');
  });
});
