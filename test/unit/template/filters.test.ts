import { describe, expect, test } from 'vitest';
import { ExpressionError, evaluateExpression } from '../../../src/template/expression.js';

/**
 * Each expected value is what Jinja2 3.1 / ansible-core 2.14 documents (or prints) for the same
 * expression: jinja2's builtin filter docs, Ansible's "Using filters to manipulate data" page, and
 * ansible.utils' ipaddr guide.
 */
const vars = {
  pkgs: ['rdma-core', 'infiniband-diags', 'sg3_utils'],
  ports: [
    { name: 'ib0', ip: '192.168.1.10/24', up: true },
    { name: 'ib1', ip: '192.168.2.10/24', up: false },
  ],
  users: [{ name: 'b' }, { name: 'A' }, { name: 'c' }],
  text: '  Hello  ',
  empty: '',
  numbers: [3, 1, 2, 3, 1],
  conf: { a: 1, b: { c: 2 } },
  path: '/etc/iscsi/iscsid.conf',
};

describe('Jinja2 / Ansible filters, from their documented examples', () => {
  test.each<[string, unknown]>([
    // the case
    ["pkgs | join(',') | upper", 'RDMA-CORE,INFINIBAND-DIAGS,SG3_UTILS'],
    // default / d: only an undefined value is replaced, unless boolean=true
    ["missing | default('x')", 'x'],
    ["empty | default('x')", ''],
    ["empty | default('x', true)", 'x'],
    ["empty | d('x', true)", 'x'],
    ['missing | default', ''],
    // strings
    ["[1, 2, 3] | join('|')", '1|2|3'],
    ['[1, 2, 3] | join', '123'],
    ["users | join(', ', attribute='name')", 'b, A, c'],
    ['[true, none] | join(",")', 'True,None'],
    ["'Hello' | upper", 'HELLO'],
    ["'Hello' | lower", 'hello'],
    ['text | trim', 'Hello'],
    ["'xxhixx' | trim('x')", 'hi'],
    ["'Hello World' | replace('Hello', 'Goodbye')", 'Goodbye World'],
    ["'aaaaargh' | replace('a', 'd\\'oh, ', 2)", "d'oh, d'oh, aaargh"],
    // regex_replace: Ansible's examples
    ["'ansible' | regex_replace('^a.*i(.*)$', 'a\\\\1')", 'able'],
    ["'foobar' | regex_replace('^f.*o(.*)$', '\\\\1')", 'bar'],
    ["'localhost:80' | regex_replace('^(?P<host>.+):(?P<port>\\\\d+)$', '\\\\g<host>, \\\\g<port>')", 'localhost, 80'],
    ["'CAR\\ntar\\nfoo\\nbar\\n' | regex_replace('^.ar$', '', multiline=True)", 'CAR\n\nfoo\n\n'],
    ["'aaa' | regex_replace('a', 'b', count=2)", 'bba'],
    // regex_search: the match, None when nothing matches, groups when asked
    ["'server1/database42' | regex_search('database[0-9]+')", 'database42'],
    ["'foo' | regex_search('BAR')", null],
    ["'ansible' | regex_search('ANSIBLE', ignorecase=True)", 'ansible'],
    ["'server1/database42' | regex_search('server([0-9]+)/database([0-9]+)', '\\\\1', '\\\\2')", ['1', '42']],
    [
      "'21/42' | regex_search('(?P<dividend>[0-9]+)/(?P<divisor>[0-9]+)', '\\\\g<dividend>', '\\\\g<divisor>')",
      ['21', '42'],
    ],
    ["'Do 1 and 2' | regex_findall('\\\\d')", ['1', '2']],
    // numbers and booleans
    ["'42' | int", 42],
    ["'3.7' | int", 3],
    ["'abc' | int", 0],
    ["'abc' | int(7)", 7],
    ["'0x1A' | int(base=16)", 26],
    ["'3.5' | float", 3.5],
    ["'x' | float", 0],
    ["'yes' | bool", true],
    ["'On' | bool", true],
    ["'1' | bool", true],
    ["'no' | bool", false],
    ["'foo' | bool", false],
    ['1 | bool', true],
    ['2 | bool', false],
    ['42 | string', '42'],
    ["['a', 1] | string", "['a', 1]"],
    ['true | string', 'True'],
    // lists
    ['pkgs | length', 3],
    ['conf | length', 2],
    ["'abc' | count", 3],
    ['pkgs | first', 'rdma-core'],
    ['pkgs | last', 'sg3_utils'],
    ["'abc' | first", 'a'],
    ['numbers | unique', [3, 1, 2]],
    ['numbers | sort', [1, 1, 2, 3, 3]],
    ['numbers | sort(reverse=true)', [3, 3, 2, 1, 1]],
    ["['b', 'A', 'c'] | sort", ['A', 'b', 'c']],
    ["['b', 'A', 'c'] | sort(case_sensitive=true)", ['A', 'b', 'c']],
    ["users | sort(attribute='name') | map(attribute='name') | list", ['A', 'b', 'c']],
    ["ports | map(attribute='name') | list", ['ib0', 'ib1']],
    ["pkgs | map('upper') | list", ['RDMA-CORE', 'INFINIBAND-DIAGS', 'SG3_UTILS']],
    ["[1, 2, 3, 4, 5] | select('odd') | list", [1, 3, 5]],
    ["[1, 2, 3, 4, 5] | reject('odd') | list", [2, 4]],
    ["[1, 2, 3, 4, 5] | select('>', 3) | list", [4, 5]],
    ["[0, 1, '', 'a', none] | select | list", [1, 'a']],
    ["pkgs | select('match', '^rdma') | list", ['rdma-core']],
    ["pkgs | reject('search', 'diags') | list", ['rdma-core', 'sg3_utils']],
    ["ports | selectattr('up') | map(attribute='name') | list", ['ib0']],
    ["ports | rejectattr('up') | map(attribute='name') | list", ['ib1']],
    ["ports | selectattr('name', 'equalto', 'ib1') | map(attribute='ip') | first", '192.168.2.10/24'],
    ['[1, [2, [3]]] | flatten', [1, 2, 3]],
    ['[1, [2, [3]]] | flatten(levels=1)', [1, 2, [3]]],
    ['[3, 1, 2] | min', 1],
    ['[3, 1, 2] | max', 3],
    ['[3, 1, 2] | sum', 6],
    ['[1, 2] | union([2, 3])', [1, 2, 3]],
    ['[1, 2] | difference([2, 3])', [1]],
    ['[1, 2] | intersect([2, 3])', [2]],
    // dicts: Ansible's combine and dict2items examples
    ["{'a': 1, 'b': 2} | combine({'b': 3})", { a: 1, b: 3 }],
    [
      "{'a': {'foo': 1, 'bar': 2}, 'b': 2} | combine({'a': {'bar': 3, 'baz': 4}}, recursive=True)",
      { a: { foo: 1, bar: 3, baz: 4 }, b: 2 },
    ],
    ["{'a': {'foo': 1}} | combine({'a': {'bar': 3}})", { a: { bar: 3 } }],
    ["{'a': [1]} | combine({'a': [2]}, list_merge='append')", { a: [1, 2] }],
    [
      "{'Application': 'payment', 'Environment': 'dev'} | dict2items",
      [
        { key: 'Application', value: 'payment' },
        { key: 'Environment', value: 'dev' },
      ],
    ],
    ["{'a': 1} | dict2items(key_name='k', value_name='v')", [{ k: 'a', v: 1 }]],
    ["[{'key': 'a', 'value': 1}, {'key': 'b', 'value': 2}] | items2dict", { a: 1, b: 2 }],
    ["[{'fruit': 'apple', 'color': 'red'}] | items2dict(key_name='fruit', value_name='color')", { apple: 'red' }],
    // serialisation: json.dumps' separators, PyYAML's flow style for leaf collections
    ["{'a': 1, 'b': [1, 2]} | to_json", '{"a": 1, "b": [1, 2]}'],
    ["'é' | to_json", '"\\u00e9"'],
    ["{'b': 1, 'a': [1]} | to_nice_json", '{\n    "a": [\n        1\n    ],\n    "b": 1\n}'],
    ['\'{"a": [1, 2]}\' | from_json', { a: [1, 2] }],
    ["{'a': 1, 'b': 'x'} | to_yaml", '{a: 1, b: x}\n'],
    ["{'a': [1, 2], 'b': 'x'} | to_yaml", 'a: [1, 2]\nb: x\n'],
    ["['a', 'b'] | to_nice_yaml", '- a\n- b\n'],
    // encodings and paths
    ["'Hello' | b64encode", 'SGVsbG8='],
    ["'SGVsbG8=' | b64decode", 'Hello'],
    ['path | basename', 'iscsid.conf'],
    ['path | dirname', '/etc/iscsi'],
    ["'/etc/iscsi/' | basename", ''],
    ["'/etc/iscsi/' | dirname", '/etc/iscsi'],
    ["'/' | dirname", '/'],
    ["'it\\'s' | quote", `'it'"'"'s'`],
    // ternary, operators
    ["(1 == 1) | ternary('yes', 'no')", 'yes'],
    ["'a' ~ 1 ~ true", 'a1True'],
    ['7 // 2', 3],
    ['7 % 3', 1],
    ['-7 % 3', 2],
    ['6 / 4', 1.5],
    ["'ab' * 2", 'abab'],
    ['[1] + [2]', [1, 2]],
    ["'big' if pkgs | length > 2 else 'small'", 'big'],
    ["{'k': pkgs | first}", { k: 'rdma-core' }],
    ["pkgs | ansible.builtin.join('+')", 'rdma-core+infiniband-diags+sg3_utils'],
    ['42 | type_debug', 'int'],
  ])('%s', (src, expected) => {
    expect(evaluateExpression(src, vars)).toEqual(expected);
  });

  test.each<[string, unknown]>([
    // ansible.utils ipaddr guide: the query names the iSER playbooks use
    ["'192.168.1.10/24' | ansible.utils.ipaddr('address')", '192.168.1.10'],
    ["'192.168.1.10/24' | ansible.utils.ipaddr('prefix')", 24],
    ["'192.168.1.10/24' | ansible.utils.ipaddr('netmask')", '255.255.255.0'],
    ["'192.168.1.10/24' | ansible.utils.ipaddr('network')", '192.168.1.0'],
    ["'192.168.1.10/24' | ipaddr('network/prefix')", '192.168.1.0/24'],
    ["'192.168.1.10/24' | ipaddr('host/prefix')", '192.168.1.10/24'],
    ["'192.168.1.10/24' | ipaddr('broadcast')", '192.168.1.255'],
    ["'192.168.0.1' | ipaddr", '192.168.0.1'],
    ["'192.168.32.0/24' | ipaddr", '192.168.32.0/24'],
    ["'192.168.32.0/24' | ipaddr('address')", false],
    ["'192.168.0.1' | ipaddr('prefix')", 32],
    ["'localhost' | ipaddr", false],
    ["'space bar' | ansible.netcommon.ipaddr", false],
    ["'192.168.1.10/20' | ipv4('network')", '192.168.0.0'],
    ["ports | map(attribute='ip') | map('ipaddr', 'address') | list", ['192.168.1.10', '192.168.2.10']],
  ])('%s', (src, expected) => {
    expect(evaluateExpression(src, vars)).toEqual(expected);
  });

  test.each([
    ["'fe80::1/64' | ipaddr('address')", /IPv6 addresses are not supported/],
    ["'10.0.0.1/8' | ipaddr('wrap')", /ipaddr\('wrap'\) is not supported; supported queries: address/],
    ["ports | map(attribute='mtu') | list", /map\(attribute='mtu'\): an item has no 'mtu'/],
    ["'{' | from_json", /from_json: /],
    ['5 | length', /length: length of 5, which has none/],
    ['1 / 0', /division by zero/],
    ["missing | mandatory('set missing in vars')", /set missing in vars/],
  ])('%s is an error that says why', (src, message) => {
    expect(() => evaluateExpression(src, vars)).toThrow(ExpressionError);
    expect(() => evaluateExpression(src, vars)).toThrow(message);
  });
});
