/** quoteArg's shortcut for plain words gives what shell-quote gives, and sh reads every quoted word back. */
import { execFileSync } from 'node:child_process';
import { quote } from 'shell-quote';
import { expect, test } from 'vitest';
import { quoteArg } from '../../../src/remote-command.js';

const ALPHABET = 'aZ09_./+%-=,:@ \'"\\$`!*?~#&;|<>(){}[]^\t\n';

/** Every word of up to `length` characters over a few of the alphabet's characters, and random longer ones. */
function words(): string[] {
  const out = ['', 'iscsiadm', '-m', '/etc/iscsi/iscsid.conf', 'node.startup=automatic', '192.168.1.1:3260,1'];
  for (const a of ALPHABET) for (const b of ALPHABET) out.push(a + b);
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 0; i < 2000; i++)
    out.push(Array.from({ length: 1 + (next() % 12) }, () => ALPHABET[next() % ALPHABET.length]).join(''));
  return out;
}

test('a plain word is given back as it is, as shell-quote does; the others are quoted by shell-quote', () => {
  for (const w of words()) expect(quoteArg(w), JSON.stringify(w)).toBe(quote([w]) || "''");
  expect(quoteArg('multipath.conf')).toBe('multipath.conf');
});

test('sh reads each quoted word back as the word', () => {
  const sample = words().filter((_, i) => i % 37 === 0);
  const script = `for w in ${sample.map(quoteArg).join(' ')}; do printf '%s\\0' "$w"; done`;
  const back = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
  expect(back).toEqual(sample);
});
