/**
 * Every host fact of the catalogue (src/facts/catalogue.ts) against the output of the real tool, as pyinfra tests
 * its facts: one folder a fact under test/fixtures/facts, one JSON file a case, each naming its source (recorded
 * from the tool, with the version, or composed from the tool's own print functions, said so). A case states the
 * fact's parameters, the read it must make (in requestKey's words), the tool's answer, and what the fact makes of it;
 * the answer is served by a fake host, so the command's text, the cache and the parser are all exercised.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunResult } from '../../../src/connection/types.js';
import { FACTS } from '../../../src/facts/catalogue.js';
import { requestKey } from '../../../src/facts/fact.js';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { shellText } from '../../../src/remote-command.js';
import { type FakeHost, ReadOnlyFakeConnection } from '../modules/fake-context.js';

const ROOT = join(import.meta.dirname, '../../fixtures/facts');

interface Case {
  source: string;
  params?: unknown;
  /** The one read the fact makes, as requestKey names it. */
  request: string;
  /** A `service` read: the command HostFacts answers it with. */
  command?: string;
  answer?: { rc: number; stdout: string[]; stderr: string };
  /** A `file` read: the file's lines, or null when absent. */
  file?: string[] | null;
  fact: unknown;
}

const cases = readdirSync(ROOT, { withFileTypes: true }).flatMap((dir) =>
  dir.isDirectory() ? readFolder(dir.name) : [],
);

function readFolder(fact: string) {
  return readdirSync(join(ROOT, fact)).map((file) => ({
    fact,
    file,
    c: JSON.parse(readFileSync(join(ROOT, fact, file), 'utf8')) as Case,
  }));
}

/** Facts with no parser of their own (a file as it is) or whose answers are an array's JSON (test/target/array). */
const NOT_RECORDED = new Set(['file', ...[...FACTS.keys()].filter((n) => n.startsWith('eseries.'))]);

/** Maps (a node record's keys) compared as plain objects. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Map ? Object.fromEntries(x) : x)));

describe('facts against recorded output', () => {
  test('every host fact of the catalogue has recorded output, and every fixture folder names a fact', () => {
    const recorded = new Set(cases.map((c) => c.fact));
    expect([...FACTS.keys()].filter((n) => !NOT_RECORDED.has(n) && !recorded.has(n))).toEqual([]);
    expect([...recorded].filter((n) => !FACTS.has(n))).toEqual([]);
  });

  test.each(cases)('$fact: $file', async ({ fact, c }) => {
    expect(c.source.length, 'a fixture names its source').toBeGreaterThan(20);
    const use = (FACTS.get(fact) as { of(p: unknown): ReturnType<NonNullable<ReturnType<typeof FACTS.get>>['of']> }).of(
      c.params,
    );
    expect(use.requests.map(requestKey)).toEqual([c.request]);
    const [request] = use.requests;
    const host: FakeHost = { files: {}, commands: {} };
    const answer = (a: NonNullable<Case['answer']>): Partial<RunResult> => ({
      rc: a.rc,
      stdout: a.stdout.join('\n'),
      stderr: a.stderr,
    });
    if (request?.kind === 'command' && c.answer) (host.commands ?? {})[shellText(request.cmd)] = answer(c.answer);
    else if (request?.kind === 'service' && c.answer && c.command) (host.commands ?? {})[c.command] = answer(c.answer);
    else if (request?.kind === 'file' && c.file !== undefined) {
      if (c.file !== null) (host.files ?? {})[request.path] = c.file.join('\n');
    } else throw new Error(`${fact}/${c.request}: the fixture gives no answer for this kind of read`);
    const value = plain(await use.read(new HostFacts(new ReadOnlyFakeConnection(host))));
    if (c.fact !== null && typeof c.fact === 'object') expect(value).toMatchObject(c.fact as object);
    else expect(value).toEqual(c.fact);
  });
});
