/**
 * SecretFinder: every value under a key naming a password or secret, at any depth up to six levels inside a
 * variable, is found; a variable's value is walked once and its finding shared by every host holding it.
 */
import { describe, expect, test } from 'vitest';
import { SecretFinder } from '../../../src/engine/redaction.js';
import { VaultKeyring } from '../../../src/vault/keyring.js';

describe('SecretFinder', () => {
  test('finds secrets deep inside registered results and inventory values, not under hostvars', () => {
    const finder = new SecretFinder(new VaultKeyring());
    const vars = {
      chap_secret: 'top-secret',
      result: { rc: 0, stdout_lines: ['a', 'b'], commands: [{ cmd: ['x'], rc: 0 }], auth: { password: 'deep-pw' } },
      six: { a: { b: { c: { d: { e: { passphrase: 'at-six' } } } } } },
      seven: { a: { b: { c: { d: { e: { f: { password: 'too-deep' } } } } } } },
      hostvars: { other: { ansible_password: 'others' } },
    };
    expect(finder.secretsOf(vars)).toEqual(['top-secret', 'deep-pw', 'at-six']);
  });

  test("a value seen in one host's variables gives the same finding in another's (a login password is named twice: as a connection variable and by its key)", () => {
    const finder = new SecretFinder(new VaultKeyring());
    const shared = { iscsi: { chap: { password: 'shared-pw' } } };
    const plain = { lines: ['no', 'secret'] };
    expect(finder.secretsOf({ group: shared, reg: plain })).toEqual(['shared-pw']);
    expect(finder.secretsOf({ group: shared, other: plain, ansible_password: 'login' })).toEqual([
      'login',
      'shared-pw',
      'login',
    ]);
    expect(finder.secretsOf({ reg: plain })).toEqual([]);
  });

  test('what the caller adds is not kept in the shared finding', () => {
    const finder = new SecretFinder(new VaultKeyring());
    const vars = { reg: { stdout: 'ok' } };
    expect(finder.secretsOf(vars, ['extra'])).toEqual(['extra']);
    expect(finder.secretsOf(vars)).toEqual([]);
    expect(finder.secretsOf({ other: { stdout: 'ok' } })).toEqual([]);
  });
});
