import { join, relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadInventory } from '../../../src/inventory/load.js';
import {
  describeUnmatched,
  selectHosts,
  selectPlayHosts,
  splitPattern,
  unmatchedTerms,
} from '../../../src/inventory/patterns.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { configError, writeFiles } from './temp-files.js';

let inv: Inventory;
let dir: string;
beforeAll(async () => {
  dir = writeFiles({
    'hosts.ini': `[web]
web1
web2
web3
[db]
db1
db2
[lb]
lb1
[staging]
web3
db2
[prod:children]
web
db
`,
    'failed.retry': 'web2\ndb1\n\n',
  });
  inv = await loadInventory(join(dir, 'hosts.ini'));
});

describe('selectHosts', () => {
  test.each([
    ['all', ['web1', 'web2', 'web3', 'db1', 'db2', 'lb1']],
    ['*', ['web1', 'web2', 'web3', 'db1', 'db2', 'lb1']],
    ['web', ['web1', 'web2', 'web3']],
    ['prod', ['web1', 'web2', 'web3', 'db1', 'db2']],
    ['db1', ['db1']],
    ['ungrouped', []],
  ])('a name: %s', (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });

  test.each([
    ['*1', ['web1', 'db1', 'lb1']],
    ['web?', ['web1', 'web2', 'web3']],
    ['d*', ['db1', 'db2']],
    ['st*', ['web3', 'db2']],
    ['[dl]b1', ['db1', 'lb1']],
  ])('a glob over groups and hosts: %s', (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });

  test.each([
    ['~(web|db)[12]', ['web1', 'web2', 'db1', 'db2']],
    ['~.*3$', ['web3']],
    // Anchored at the start as Python's re.match: 'eb' is inside 'web1', not at its start.
    ['~eb', []],
  ])('a regular expression: %s', (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });

  test.each([
    ['db:web', ['web1', 'web2', 'web3', 'db1', 'db2']],
    ['db,lb', ['db1', 'db2', 'lb1']],
    ['lb1, db2', ['db2', 'lb1']],
    ['prod:&staging', ['web3', 'db2']],
    ['prod:!staging', ['web1', 'web2', 'db1']],
    ['!lb', ['web1', 'web2', 'web3', 'db1', 'db2']],
    ['&staging', ['web3', 'db2']],
    ['!web:db', ['db1', 'db2']],
    ['web:db:&staging:!db2', ['web3']],
    ['web,!web2', ['web1', 'web3']],
  ])('unions, intersections, exclusions, kept in inventory order: %s', (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });

  test.each([
    ['web[0]', ['web1']],
    ['web[-1]', ['web3']],
    ['web[1:2]', ['web2', 'web3']],
    ['web[1:]', ['web2', 'web3']],
    ['web[:1]', ['web1', 'web2']],
    ['prod[2:3]', ['web3', 'db1']],
    ['web[7]', []],
    ['web[0]:db[1]', ['web1', 'db2']],
  ])('a subscript: %s', (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });

  test('@file: the hosts listed in a retry file, relative to the working directory', () => {
    const file = relative(process.cwd(), join(dir, 'failed.retry'));
    expect(selectHosts(inv, `@${file}`)).toEqual(['web2', 'db1']);
    expect(selectHosts(inv, `@${join(dir, 'failed.retry')}:lb`)).toEqual(['web2', 'db1', 'lb1']);
  });

  test('a list of patterns, as a play may give', () => {
    expect(selectHosts(inv, ['lb', 'db1'])).toEqual(['db1', 'lb1']);
  });

  test('nothing matching is an empty list, not an error', () => {
    expect(selectHosts(inv, 'nosuchgroup')).toEqual([]);
    expect(selectHosts(inv, 'nosuch*')).toEqual([]);
    expect(selectHosts(inv, '')).toEqual([]);
  });

  test('a missing @file and a bad regex are ConfigErrors', async () => {
    const missing = await configError(() => selectHosts(inv, '@/no/such.retry'));
    expect(missing.message).toContain("/no/such.retry: cannot read the host list named by '@/no/such.retry'");
    const regex = await configError(() => selectHosts(inv, '~web(x'));
    expect(regex.message).toContain("invalid regular expression in host pattern '~web(x'");
  });
});

describe('selectPlayHosts: a play’s hosts narrowed by --limit', () => {
  test('the intersection, in inventory order', () => {
    expect(selectPlayHosts(inv, 'prod', 'staging:lb')).toEqual(['web3', 'db2']);
    expect(selectPlayHosts(inv, 'db:web', 'web[0]')).toEqual(['web1']);
  });

  test('no limit, or an empty one, keeps the play’s hosts', () => {
    expect(selectPlayHosts(inv, 'db')).toEqual(['db1', 'db2']);
    expect(selectPlayHosts(inv, 'db', '')).toEqual(['db1', 'db2']);
  });

  test('a limit outside the play selects nothing', () => {
    expect(selectPlayHosts(inv, 'db', 'lb')).toEqual([]);
  });
});

describe('splitPattern', () => {
  test('colons outside brackets split; commas win over colons; blanks vanish', () => {
    expect(splitPattern('web[1:2]:db-[a:c]:!x')).toEqual(['web[1:2]', 'db-[a:c]', '!x']);
    expect(splitPattern(' a , b:c ,, ')).toEqual(['a', 'b:c']);
    expect(splitPattern('   ')).toEqual([]);
  });
});

describe('unmatchedTerms: every part of a pattern that selects nothing, with the closest name', () => {
  test.each([
    ['web,dbb', [{ term: 'dbb', closest: 'db' }]],
    ['web:hots2', [{ term: 'hots2' }]],
    ['webb[0]', [{ term: 'webb[0]', closest: 'web' }]],
    ['web,!db3', [{ term: 'db3', closest: 'db' }]],
    ['web:&stagin', [{ term: 'stagin', closest: 'staging' }]],
    ['web*,~db\\d', []],
    ['~nothing.*', [{ term: '~nothing.*' }]],
    ['prod,lb', []],
  ])('%s', (pattern, expected) => {
    expect(unmatchedTerms(inv, pattern)).toEqual(expected);
  });

  test('describeUnmatched names each term and its suggestion', () => {
    expect(describeUnmatched(unmatchedTerms(inv, 'web,dbb,zzz'))).toBe("'dbb' (did you mean 'db'?), 'zzz'");
  });
});
