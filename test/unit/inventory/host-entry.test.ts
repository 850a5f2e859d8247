import { describe, expect, test } from 'vitest';
import {
  expandHostRange,
  HostEntryError,
  MAX_HOSTS_PER_ENTRY,
  parseHostEntry,
} from '../../../src/inventory/host-entry.js';

describe('expandHostRange', () => {
  test('a numeric range with leading zeros keeps its width: www[01:50].example.com', () => {
    const hosts = expandHostRange('www[01:50].example.com');
    expect(hosts).toHaveLength(50);
    expect(hosts.slice(0, 2)).toEqual(['www01.example.com', 'www02.example.com']);
    expect(hosts.at(-1)).toBe('www50.example.com');
  });

  test('a letter range: db-[a:f].example.com', () => {
    expect(expandHostRange('db-[a:f].example.com')).toEqual([
      'db-a.example.com',
      'db-b.example.com',
      'db-c.example.com',
      'db-d.example.com',
      'db-e.example.com',
      'db-f.example.com',
    ]);
  });

  test('a step, no leading zeros, an omitted begin, several ranges', () => {
    expect(expandHostRange('www[1:9:4]')).toEqual(['www1', 'www5', 'www9']);
    expect(expandHostRange('n[8:10]')).toEqual(['n8', 'n9', 'n10']);
    expect(expandHostRange('n[:2]')).toEqual(['n0', 'n1', 'n2']);
    expect(expandHostRange('r[1:2]-[a:b]')).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b']);
  });

  test('a name without a range is itself', () => {
    expect(expandHostRange('plain.example.com')).toEqual(['plain.example.com']);
  });

  test.each([
    ['web[1:]', /no end/],
    ['web[3:1]', /begin <= end/],
    ['web[01:100]', /equal width/],
    ['web[1:5:0]', /step/],
    ['web[1:x]', /numbers or single letters/],
    ['web[1:2:3:4]', /begin:end/],
  ])('%s is refused', (name, message) => {
    expect(() => expandHostRange(name)).toThrow(HostEntryError);
    expect(() => expandHostRange(name)).toThrow(message);
  });
});

describe('range bound', () => {
  test('a range of exactly the bound expands; one host more is refused before anything is built', () => {
    expect(expandHostRange(`n[1:${MAX_HOSTS_PER_ENTRY}]`)).toHaveLength(MAX_HOSTS_PER_ENTRY);
    expect(() => expandHostRange(`n[0:${MAX_HOSTS_PER_ENTRY}]`)).toThrow(/names more than 100,000 hosts/);
  });

  test('a range too large to build is refused at once, naming the entry', () => {
    expect(() => expandHostRange('web[0:99999999999].example.com')).toThrow(
      "host range in 'web[0:99999999999].example.com' names more than 100,000 hosts",
    );
  });

  test('the bound counts the product of several ranges', () => {
    expect(() => expandHostRange('r[0:999]-[0:999]')).toThrow(/names more than/);
    expect(expandHostRange('r[0:99]-[0:99]')).toHaveLength(10_000);
  });
});

describe('parseHostEntry', () => {
  test('host:port sets the port', () => {
    expect(parseHostEntry('badwolf.example.com:5309')).toEqual({ names: ['badwolf.example.com'], port: 5309 });
  });

  test('a range with a port', () => {
    expect(parseHostEntry('web[1:2]:2222')).toEqual({ names: ['web1', 'web2'], port: 2222 });
  });

  test('an IPv6 address is one name, not a port', () => {
    expect(parseHostEntry('fe80::1')).toEqual({ names: ['fe80::1'] });
  });

  test('a bad port is refused', () => {
    expect(() => parseHostEntry('db:99999')).toThrow(/invalid port '99999'/);
    expect(() => parseHostEntry('db:ssh')).toThrow(/invalid port 'ssh'/);
  });
});
