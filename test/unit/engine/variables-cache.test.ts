/**
 * The caches behind a host's variables (Variables.forHost, its play magic, SecretFinder's per-object
 * secrets): what a cached call returns is what a fresh Variables returns, and each cache lets go when what
 * it was made from changes (set_fact and register after the cache was filled, facts gathered, a host
 * failing, a new batch).
 */
import { describe, expect, test, vi } from 'vitest';
import { HostSession } from '../../../src/engine/host-session.js';
import { SecretFinder } from '../../../src/engine/redaction.js';
import type { RunContext } from '../../../src/engine/run-context.js';
import { Variables } from '../../../src/engine/variables.js';
import type { Play } from '../../../src/playbook/types.js';
import { VaultKeyring } from '../../../src/vault/keyring.js';

const HOSTS = ['a', 'b', 'c'];

function fixture() {
  // as HostSessions counts them: a host's state change is what makes the play's host lists be worked out again
  const counter = { stateChanges: 0 };
  const sessions = new Map(HOSTS.map((h) => [h, new HostSession(h, () => counter.stateChanges++)]));
  const play = {
    name: 'p',
    hosts: 'all',
    vars: { greeting: 'hello {{ inventory_hostname }}' },
    varsFiles: [],
    baseDir: '/tmp',
    tasks: [],
  } as unknown as Play;
  const keyring = new VaultKeyring([]);
  const run = {
    options: { extraVars: { from_cli: 1 }, check: false, diff: false },
    input: {
      hostsFor: () => HOSTS,
      inventoryVars: (host: string) => ({ inventory_hostname: host, groups: { all: HOSTS } }),
      playbook: { plays: [play], keyring },
    },
    sessions: {
      find: (h: string) => sessions.get(h),
      get stateChanges() {
        return counter.stateChanges;
      },
    },
    secrets: new SecretFinder(keyring),
  } as unknown as RunContext;
  const session = sessions.get('a') as HostSession;
  /** A host's variables as a Variables that never saw the host before computes them: no cache involved. */
  const fresh = async (batch?: string[]) => {
    const variables = new Variables(() => run);
    if (batch) variables.setBatch(play, batch);
    return variables.forHost(play, session);
  };
  return { run, play, session, sessions, fresh, variables: new Variables(() => run) };
}

describe('Variables.forHost cache', () => {
  test('the same object for every task while nothing changed, equal to an uncached merge', async () => {
    const { variables, play, session, fresh } = fixture();
    const first = await variables.forHost(play, session);
    const second = await variables.forHost(play, session);
    expect(second).toBe(first);
    const uncached = await fresh();
    expect(first).toEqual(uncached);
    expect(Object.keys(first)).toEqual(Object.keys(uncached));
    expect(first.greeting).toBe('hello a');
    expect(first.from_cli).toBe(1);
  });

  test('a look ahead into a play the host has not reached merges alike and keeps nothing for the play itself', async () => {
    const { variables, play, session, fresh } = fixture();
    const ahead = await variables.forHost(play, session, { keep: false });
    expect(ahead).toEqual(await fresh());
    expect(Object.keys(ahead)).toEqual(Object.keys(await fresh()));
    // nothing was kept: the play's own first call merges anew, and that one is kept
    const atItsTurn = await variables.forHost(play, session);
    expect(atItsTurn).not.toBe(ahead);
    expect(atItsTurn).toEqual(ahead);
    expect(await variables.forHost(play, session)).toBe(atItsTurn);
    // once kept (the host is in the play), a look ahead uses what is kept
    expect(await variables.forHost(play, session, { keep: false })).toBe(atItsTurn);
  });

  test('a look ahead renders a later play once while the host is in its play, and lets go when it leaves', async () => {
    const { variables, play, session, fresh } = fixture();
    const renders = vi.spyOn(variables as unknown as { renderPlayVars: () => unknown }, 'renderPlayVars');
    const first = await variables.forHost(play, session, { keep: false });
    const again = await variables.forHost(play, session, { keep: false });
    expect(again).toEqual(await fresh());
    expect(first).toEqual(again);
    expect(renders).toHaveBeenCalledTimes(1);
    // what the host registers meanwhile is merged in, without rendering the play's variables again
    session.setVars.reg = { rc: 0 };
    expect((await variables.forHost(play, session, { keep: false })).reg).toEqual({ rc: 0 });
    expect(renders).toHaveBeenCalledTimes(1);
    // facts gathered: rendered again
    session.gathered = { ansible_hostname: 'a1' };
    expect((await variables.forHost(play, session, { keep: false })).ansible_hostname).toBe('a1');
    expect(renders).toHaveBeenCalledTimes(2);
    // the host left its play (any play): what it looked ahead at is let go, the next look renders anew
    variables.forgetPlay({} as Play, session.name);
    await variables.forHost(play, session, { keep: false });
    expect(renders).toHaveBeenCalledTimes(3);
  });

  test('register and set_fact after the cache was filled: a new key, a replaced value, facts merged in', async () => {
    const { variables, play, session, fresh } = fixture();
    const before = await variables.forHost(play, session);
    session.setVars.out = { stdout: 'one' };
    const registered = await variables.forHost(play, session);
    expect(registered).not.toBe(before);
    expect(registered.out).toEqual({ stdout: 'one' });
    expect(registered).toEqual(await fresh());
    // the same name registered again: same keys, another value
    session.setVars.out = { stdout: 'two' };
    expect((await variables.forHost(play, session)).out).toEqual({ stdout: 'two' });
    Object.assign(session.setVars, { token: 't1', greeting: 'set by set_fact' });
    const facts = await variables.forHost(play, session);
    expect(facts.token).toBe('t1');
    expect(facts.greeting).toBe('set by set_fact');
    expect(facts).toEqual(await fresh());
    expect(await variables.forHost(play, session)).toBe(facts);
  });

  test('facts gathered after the cache was filled are seen', async () => {
    const { variables, play, session, fresh } = fixture();
    expect((await variables.forHost(play, session)).ansible_os_family).toBeUndefined();
    session.gathered = { ansible_os_family: 'RedHat' };
    const gathered = await variables.forHost(play, session);
    expect(gathered.ansible_os_family).toBe('RedHat');
    expect(gathered).toEqual(await fresh());
  });

  test("another host's failure leaves ansible_play_hosts; a new batch is ansible_play_batch", async () => {
    const { variables, play, session, sessions, fresh } = fixture();
    const before = await variables.forHost(play, session);
    expect(before.ansible_play_hosts).toEqual(['a', 'b', 'c']);
    (sessions.get('b') as HostSession).state = 'failed';
    const after = await variables.forHost(play, session);
    expect(after.ansible_play_hosts).toEqual(['a', 'c']);
    expect(after.ansible_play_hosts_all).toEqual(['a', 'b', 'c']);
    expect(after).toEqual(await fresh());
    variables.setBatch(play, ['a', 'b']);
    const batch = await variables.forHost(play, session);
    expect(batch.ansible_play_batch).toEqual(['a']);
    expect(batch.play_hosts).toEqual(['a']);
    expect(batch).toEqual(await fresh(['a', 'b']));
  });

  test("forTask: a task without vars of its own gets the host's object; one with vars a copy with them", () => {
    const { variables } = fixture();
    const host = { x: 1, y: 'a' };
    expect(variables.forTask({ vars: {} }, host)).toBe(host);
    const own = variables.forTask({ vars: { z: '{{ y }}-z' } }, host);
    expect(own).toEqual({ x: 1, y: 'a', z: 'a-z' });
    expect(host).toEqual({ x: 1, y: 'a' });
    const bound = variables.forTask({ vars: {}, boundVars: { item: 3 } }, host);
    expect(bound).toEqual({ x: 1, y: 'a', item: 3 });
    expect(bound).not.toBe(host);
  });
});

describe('SecretFinder per-object cache', () => {
  test('the same secrets for the same object, and a new object is looked at afresh', () => {
    const finder = new SecretFinder(new VaultKeyring([]));
    const vars = { ansible_password: 'pw-1', chap: { db_secret: 's-1' }, other: 'x' };
    const first = finder.secretsOf(vars);
    expect(first).toEqual(['pw-1', 'pw-1', 's-1']);
    expect(finder.secretsOf(vars, ['also'])).toEqual([...first, 'also']);
    const next = { ...vars, api_password: 'pw-2' };
    expect(finder.secretsOf(next)).toEqual(['pw-1', 'pw-1', 's-1', 'pw-2']);
  });
});
