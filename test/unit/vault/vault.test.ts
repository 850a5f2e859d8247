import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { readVarsFile } from '../../../src/inventory/vars-files.js';
import { YamlSource } from '../../../src/playbook/yaml-source.js';
import { decryptVault, encryptVault, parseVault, VaultFormatError } from '../../../src/vault/format.js';
import { VaultKeyring } from '../../../src/vault/keyring.js';

/** Made with ansible-vault 2.14 (ansible-core 2.14.18), password in password.txt. */
const FIXTURES = join(import.meta.dirname, '../../fixtures/vault');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const PASSWORD = 'vault-pw-for-tests';
const PLAIN =
  '# group_vars/iser_hosts/vault.yml, encrypted whole with ansible-vault 2.14\nstorage_token: "Tok-Whole-9x7!"\nnote: "ünïcode and a\\nsecond line"\n';

const tmp = mkdtempSync(join(tmpdir(), 'sshplay-vault-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Ansible Vault format', () => {
  test('opens a 1.1 file written by ansible-vault', () => {
    const plain = decryptVault(parseVault(fixture('whole-file.yml')), PASSWORD);
    expect(plain?.toString('utf8')).toBe(PLAIN);
  });

  test('opens a 1.2 file with a vault id label', () => {
    const envelope = parseVault(fixture('whole-file-1.2.yml'));
    expect(envelope).toMatchObject({ version: '1.2', label: 'prod' });
    expect(decryptVault(envelope, PASSWORD)?.toString('utf8')).toBe(PLAIN);
  });

  test('a wrong password or a changed byte of ciphertext fails the HMAC: nothing is decrypted', () => {
    const envelope = parseVault(fixture('whole-file.yml'));
    expect(decryptVault(envelope, 'not-it')).toBeNull();
    const tampered = { ...envelope, ciphertext: Buffer.from(envelope.ciphertext) };
    tampered.ciphertext[3] = (tampered.ciphertext[3] ?? 0) ^ 1;
    expect(decryptVault(tampered, PASSWORD)).toBeNull();
  });

  test('bad headers and bodies are named', () => {
    expect(() => parseVault('$ANSIBLE_VAULT;1.0;AES\n00')).toThrow(/version 1.0 is not supported/);
    expect(() => parseVault('$ANSIBLE_VAULT;1.1;AES128\n00')).toThrow(/cipher AES128 is not supported/);
    expect(() => parseVault('$ANSIBLE_VAULT;1.1;AES256\nzz')).toThrow(VaultFormatError);
    expect(() => parseVault('$ANSIBLE_VAULT;1.1;AES256\n6162')).toThrow(/salt, HMAC and ciphertext/);
  });

  test('encrypts in the same layout: header, 80-column hex lines; and opens what it wrote', () => {
    for (const text of ['', 'x', 'sixteen bytes!!!', 'ünïcode\nlines\n'.repeat(20)]) {
      const vault = encryptVault(Buffer.from(text), 'pw', undefined);
      const [header, ...lines] = vault.trimEnd().split('\n');
      expect(header).toBe('$ANSIBLE_VAULT;1.1;AES256');
      for (const l of lines) expect(l).toMatch(/^[0-9a-f]{1,80}$/);
      expect(decryptVault(parseVault(vault), 'pw')?.toString('utf8')).toBe(text);
    }
    expect(encryptVault(Buffer.from('a'), 'pw', 'prod').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
  });
});

describe('vaulted values in YAML files', () => {
  test('an inline !vault value (ansible-vault encrypt_string) reads as its plaintext and becomes a secret', () => {
    const keyring = new VaultKeyring([{ secret: PASSWORD, source: 'test' }]);
    const src = YamlSource.parse('inline.yml', fixture('inline.txt'), keyring);
    expect(src.toJS()).toEqual({ array_token: 'Tok-Inline-4242' });
    expect(keyring.secrets()).toContain('Tok-Inline-4242');
  });

  test('without a password: an error at the value, naming the options', () => {
    const e = (() => {
      try {
        YamlSource.parse('inline.yml', fixture('inline.txt'), new VaultKeyring());
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e?.message).toMatch(
      /^inline\.yml:1:14: encrypted with ansible-vault, but no vault password was given \(--vault-password-file/,
    );
  });

  test('with the wrong passwords: says which were tried, never what they are', () => {
    const keyring = new VaultKeyring([
      { secret: 'guess-1', source: '/etc/pw1' },
      { label: 'dev', secret: 'guess-2', source: '--vault-id dev@prompt' },
    ]);
    expect(() => keyring.open(fixture('whole-file-1.2.yml'))).toThrow(
      /\(vault id prod\), and no vault password given opens it \(tried \/etc\/pw1, --vault-id dev@prompt\)$/,
    );
    try {
      keyring.open(fixture('whole-file.yml'));
    } catch (e) {
      expect((e as Error).message).not.toMatch(/guess-/);
    }
  });

  test('a vars file encrypted whole is read with the keyring given, and its values become its secrets', async () => {
    const keyring = new VaultKeyring([
      { secret: 'wrong', source: 'a' },
      { label: 'prod', secret: PASSWORD, source: 'b' },
    ]);
    const file = join(tmp, 'vault.yml');
    writeFileSync(file, fixture('whole-file-1.2.yml'));
    expect(await readVarsFile(file, keyring)).toEqual({
      storage_token: 'Tok-Whole-9x7!',
      note: 'ünïcode and a\nsecond line',
    });
    expect(keyring.secrets()).toEqual(expect.arrayContaining(['Tok-Whole-9x7!', 'ünïcode and a', 'second line']));
  });

  test('an error inside a decrypted file gives line and column but never shows the line', async () => {
    const keyring = new VaultKeyring([{ secret: 'pw', source: 'test' }]);
    const file = join(tmp, 'broken.yml');
    writeFileSync(file, encryptVault(Buffer.from('ok: 1\nsecret_token: "Sup3r-Hidden\n'), 'pw'));
    const e = await readVarsFile(file, keyring).catch((x: unknown) => x as Error);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/broken\.yml:\d+:\d+: YAML syntax error/);
    expect((e as Error).message).not.toContain('Sup3r-Hidden');
  });
});

describe('a keyring is a value: no process-wide passwords or secrets', () => {
  test('two keyrings share nothing: what one opens is neither opened by nor a secret of the other', async () => {
    const file = join(tmp, 'whole.yml');
    writeFileSync(file, fixture('whole-file.yml'));
    const withPassword = new VaultKeyring([{ secret: PASSWORD, source: 'test' }]);
    const without = new VaultKeyring();
    expect(await readVarsFile(file, withPassword)).toMatchObject({ storage_token: 'Tok-Whole-9x7!' });
    expect(withPassword.secrets()).toContain('Tok-Whole-9x7!');
    expect(without.secrets()).toEqual([]);
    await expect(readVarsFile(file, without)).rejects.toThrow(
      /whole\.yml:1:1: encrypted with ansible-vault, but no vault password/,
    );
  });

  test('loadInventory opens a vaulted group_vars file with the keyring in its options, and only with it', async () => {
    const dir = mkdtempSync(join(tmp, 'inv-'));
    writeFileSync(join(dir, 'hosts.ini'), '[iser_hosts]\nh1\n');
    mkdirSync(join(dir, 'group_vars'));
    writeFileSync(join(dir, 'group_vars', 'iser_hosts.yml'), fixture('whole-file.yml'));
    const keyring = new VaultKeyring([{ secret: PASSWORD, source: 'test' }]);
    const inventory = await loadInventory(join(dir, 'hosts.ini'), { keyring });
    expect(inventory.groups.get('iser_hosts')?.fileVars).toMatchObject({ storage_token: 'Tok-Whole-9x7!' });
    expect(keyring.secrets()).toContain('Tok-Whole-9x7!');
    await expect(loadInventory(join(dir, 'hosts.ini'))).rejects.toThrow(/no vault password was given/);
  });
});
