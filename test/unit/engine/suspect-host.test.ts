/**
 * A host that goes quiet mid-run (a frozen host: its connection open, nothing coming back) does not hold the
 * others at a play's end; it ends unreachable when given up, or failed ("fell behind") when it answers again
 * after the others went on. The freeze is a LocalConnection whose command waits on the test, its silence
 * told through the connection's watchSilence as SshConnection tells it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { SilenceListener } from '../../../src/connection/silence-watch.js';
import type { Chain, Connection } from '../../../src/connection/types.js';
import { ConnectionError } from '../../../src/errors.js';
import { type Cmd, shellText } from '../../../src/remote-command.js';
import { type LocalRun, runLocal } from './local-run.js';

/** What the test does with the frozen host once it froze: let it answer again, or lose its connection. */
interface Freeze {
  host: string;
  recover(): void;
  lose(why: string): void;
}

const MARKER = 'FREEZE-HERE';

/**
 * When a frozen host goes quiet: at once (as after a keepalive left unanswered), or only once the engine probes
 * it (frozen between two keepalives, the others waiting for it).
 */
type QuietWhen = 'frozen' | 'probed';

/** The host's connection, frozen (silent) at the first command holding MARKER until the test acts. */
function freezable(
  host: string,
  conn: Connection,
  frozen: string,
  onFreeze: (freeze: Freeze) => void,
  quietWhen: QuietWhen = 'frozen',
  probes: string[] = [],
): Connection {
  let listener: SilenceListener | undefined;
  let froze = false;
  let answering = true;
  const gate = async (cmds: readonly Cmd[]) => {
    if (host !== frozen || froze || !cmds.some((c) => shellText(c).includes(MARKER))) return;
    froze = true;
    answering = false;
    if (quietWhen === 'frozen') listener?.silent(Date.now());
    await new Promise<void>((resolve, reject) =>
      onFreeze({
        host,
        recover: () => {
          answering = true;
          listener?.heard(Date.now());
          resolve();
        },
        lose: (why) => {
          listener?.lost?.(why);
          reject(new ConnectionError(host, why));
        },
      }),
    );
  };
  const chained = (chains: readonly Chain[]) => chains.flatMap((c) => c.cmds);
  return {
    host: conn.host,
    get stats() {
      return conn.stats;
    },
    read: (cmds, options) => conn.read(cmds, options),
    run: async (cmds, options) => {
      await gate(cmds);
      return conn.run(cmds, options);
    },
    ...(conn.runThenRead
      ? {
          runThenRead: async (chains, reads, options) => {
            await gate(chained(chains));
            return (conn.runThenRead as NonNullable<Connection['runThenRead']>)(chains, reads, options);
          },
        }
      : {}),
    readFiles: (paths) => conn.readFiles(paths),
    writeFile: (path, content, options) => conn.writeFile(path, content, options),
    close: () => conn.close(),
    watchSilence: (l) => {
      listener = l;
    },
    probeSilence: () => {
      probes.push(`${host}${answering ? '' : ' (frozen)'}`);
      if (!answering && quietWhen === 'probed') listener?.silent(Date.now());
    },
  };
}

/** Resolves when `done()` holds, looked at every 20 ms; rejects after `ms`. */
async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

const TWO_PLAYS = `
- name: one
  hosts: all
  gather_facts: false
  tasks:
    - name: start
      shell: echo start >> {{ dir }}/log
    - name: freezes
      shell: "echo ${MARKER} > /dev/null; echo frozen-task >> {{ dir }}/log"
    - name: after
      shell: echo one-after >> {{ dir }}/log
- name: two
  hosts: all
  gather_facts: false
  tasks:
    - name: second play
      shell: echo two >> {{ dir }}/log
`;

interface FrozenRun {
  run: LocalRun;
  /** Each host's log at the end, and the shared once.log as `once`. */
  logs: Record<string, string>;
}

/** A run over `hosts` with `frozen` freezing at MARKER; `onFreeze` gets the freeze and the hosts' folders. */
async function runFreezing(
  yaml: string,
  frozen: string,
  onFreeze: (freeze: Freeze, dir: (h: string) => string) => Promise<void>,
  options: { hosts?: string[]; forks?: number; quietWhen?: QuietWhen; probes?: string[] } = {},
): Promise<FrozenRun> {
  const hosts = options.hosts ?? ['h1', 'h2', 'h3'];
  const base = mkdtempSync(join(tmpdir(), 'sshplay-suspect-'));
  const dir = (h: string) => join(base, h);
  const acted: Promise<void>[] = [];
  try {
    const run = await runLocal(
      yaml,
      {
        hosts,
        forks: options.forks ?? 5,
        opened: (host, conn) =>
          freezable(host, conn, frozen, (f) => acted.push(onFreeze(f, dir)), options.quietWhen, options.probes),
      },
      base,
    );
    await Promise.all(acted); // what the test saw while the host was frozen fails the test here
    const logs = Object.fromEntries(hosts.map((h) => [h, read(join(dir(h), 'log'))]));
    return { run, logs: { ...logs, once: read(join(base, 'once.log')) } };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

describe('a suspect host (gone quiet) at the end of a play', () => {
  test('the others go on to the next play; it answers again later and ends failed: fell behind', async () => {
    const { run, logs } = await runFreezing(TWO_PLAYS, 'h3', async (f, dir) => {
      try {
        // the others finish the second play while h3 is still silent: nobody waits for it
        await until(() => ['h1', 'h2'].every((h) => read(join(dir(h), 'log')).includes('two')));
      } finally {
        f.recover();
      }
    });
    for (const h of ['h1', 'h2']) expect(logs[h]).toBe('start\nfrozen-task\none-after\ntwo\n');
    // it finished the task it was in, and started none after it: not the play's rest, not the next play
    expect(logs.h3).toBe('start\nfrozen-task\n');
    expect(run.summary.failed).toEqual(['h3']);
    expect(run.summary.unreachable).toEqual([]);
    const [behind] = run.resultsOf('h3', 'fell behind');
    expect(behind?.status).toBe('failed');
    expect(behind?.msg).toMatch(
      /^h3 fell behind: it stopped answering for \d+ s during play 'one' and the other hosts went on; rerun with --limit h3$/,
    );
    expect(run.summary.stats.h3).toMatchObject({ failed: 1, unreachable: 0 });
    expect(
      run.events.some(
        (e) =>
          e.type === 'warning' &&
          e.msg.startsWith("h3 stopped answering (an ssh keepalive went unanswered) during play 'one'"),
      ),
    ).toBe(true);
    expect(run.events.find((e) => e.type === 'play_start' && e.play === 'two')).toMatchObject({ hosts: ['h1', 'h2'] });
    // the recap comes after the host left behind ended
    const types = run.events.map((e) => (e.type === 'task_result' ? `${e.host}:${e.task}` : e.type));
    expect(types.indexOf('h3:fell behind')).toBeLessThan(types.indexOf('recap'));
    expect(types.indexOf('h1:second play')).toBeLessThan(types.indexOf('h3:freezes'));
  });

  test('frozen between two keepalives: the others at the play end probe it, and it goes quiet unanswered', async () => {
    const probes: string[] = [];
    const { run, logs } = await runFreezing(
      TWO_PLAYS,
      'h3',
      async (f, dir) => {
        try {
          // it never goes quiet by itself here: only the probe the waiting others send can tell
          await until(() => ['h1', 'h2'].every((h) => read(join(dir(h), 'log')).includes('two')));
        } finally {
          f.recover();
        }
      },
      { quietWhen: 'probed', probes },
    );
    for (const h of ['h1', 'h2']) expect(logs[h]).toBe('start\nfrozen-task\none-after\ntwo\n');
    expect(logs.h3).toBe('start\nfrozen-task\n');
    expect(run.summary.failed).toEqual(['h3']);
    expect(probes).toContain('h3 (frozen)');
  });

  test('given up while the others went on: it ends unreachable, as before', async () => {
    const why = 'host stopped answering: 3 keepalives 4 s apart went unanswered (hung host or network)';
    const { run, logs } = await runFreezing(TWO_PLAYS, 'h3', async (f, dir) => {
      try {
        await until(() => ['h1', 'h2'].every((h) => read(join(dir(h), 'log')).includes('two')));
      } finally {
        f.lose(why);
      }
    });
    for (const h of ['h1', 'h2']) expect(logs[h]).toBe('start\nfrozen-task\none-after\ntwo\n');
    expect(logs.h3).toBe('start\n');
    expect(run.summary.unreachable).toEqual(['h3']);
    expect(run.summary.failed).toEqual([]);
    expect(run.resultsOf('h3', 'fell behind')).toEqual([]);
    const lost = run.results.find((r) => r.host === 'h3' && r.status === 'unreachable');
    expect(lost?.msg).toContain(why);
    expect(run.summary.stats.h3).toMatchObject({ failed: 0, unreachable: 1 });
  });

  test('heard again before the others reached the play end: it just goes on', async () => {
    const yaml = TWO_PLAYS.replace(
      'shell: echo one-after >> {{ dir }}/log',
      'shell: "sleep {{ 0 if inventory_hostname == \'h3\' else 0.6 }}; echo one-after >> {{ dir }}/log"',
    );
    const { run, logs } = await runFreezing(yaml, 'h3', async (f) => {
      await sleep(100);
      f.recover();
    });
    for (const h of ['h1', 'h2', 'h3']) expect(logs[h]).toBe('start\nfrozen-task\none-after\ntwo\n');
    expect(run.summary.failed).toEqual([]);
    expect(run.events.some((e) => e.type === 'warning')).toBe(false);
  });

  test('at the last play nobody goes on: a suspect host is waited for and ends as it would have', async () => {
    const yaml = TWO_PLAYS.slice(0, TWO_PLAYS.indexOf('- name: two'));
    const { run, logs } = await runFreezing(yaml, 'h3', async (f, dir) => {
      await until(() => ['h1', 'h2'].every((h) => read(join(dir(h), 'log')).includes('one-after')));
      await sleep(100);
      f.recover();
    });
    expect(logs.h3).toBe('start\nfrozen-task\none-after\n');
    expect(run.summary.failed).toEqual([]);
  });

  test('run_once does not wait for a suspect host: the next host in order runs it, the suspect one takes the result', async () => {
    const yaml = `
- name: once
  hosts: all
  gather_facts: false
  tasks:
    - name: freezes
      shell: "echo ${MARKER} > /dev/null; echo frozen-task >> {{ dir }}/log"
    - name: once
      shell: echo "{{ inventory_hostname }}" >> {{ dir }}/../once.log
      run_once: true
      register: once
    - name: after
      shell: echo "after {{ once.changed | default('unset') }}" >> {{ dir }}/log
`;
    let ranWhileFrozen = '';
    const { run, logs } = await runFreezing(yaml, 'h1', async (f, dir) => {
      try {
        // h1 (first in order, the one run_once would pick) is frozen: the meeting goes on without it
        await until(() => read(join(dir('h1'), '..', 'once.log')) !== '');
        ranWhileFrozen = read(join(dir('h1'), '..', 'once.log'));
      } finally {
        f.recover();
      }
    });
    expect(ranWhileFrozen).toBe('h2\n');
    expect(run.summary.failed).toEqual([]);
    // h1 arrived later and took h2's result (registered as its own): the task did not run again
    expect(logs.once).toBe('h2\n');
    expect(logs.h1).toMatch(/^frozen-task\nafter [Tt]rue\n$/);
    expect(run.resultsOf('h2', 'once')).toHaveLength(1);
  });

  test('any_errors_fatal: the lockstep waits for a suspect host (it may yet fail, which must stop the others first)', async () => {
    const yaml = TWO_PLAYS.replace('gather_facts: false', 'gather_facts: false\n  any_errors_fatal: true');
    let othersAheadWhileFrozen = true;
    const { run, logs } = await runFreezing(yaml, 'h3', async (f, dir) => {
      await sleep(300);
      othersAheadWhileFrozen = ['h1', 'h2'].some((h) => read(join(dir(h), 'log')).includes('one-after'));
      f.recover();
    });
    expect(othersAheadWhileFrozen).toBe(false);
    for (const h of ['h1', 'h2', 'h3']) expect(logs[h]).toBe('start\nfrozen-task\none-after\ntwo\n');
    expect(run.summary.failed).toEqual([]);
  });
});
