/**
 * Hosts the others go on without. At a play's end the healthy hosts wait for the hosts still working,
 * except suspect ones (a keepalive unanswered, nothing heard since: a frozen host, see HostSession.suspect):
 * otherwise one frozen host holds the whole fleet until ssh gives it up. A host left behind keeps running
 * the task it is in, in the background, and starts no further one: it would run later tasks out of order
 * with the fleet (run_once, serial). It ends unreachable when ssh gives it up, or failed when it answers
 * again ("fell behind"), so the recap and retry file name it and a rerun with --limit finishes it. The run
 * waits for these hosts before its recap.
 */
import { PROBE_INTERVAL_MS } from '../connection/silence-watch.js';
import type { Play } from '../playbook/types.js';
import type { HostSession } from './host-session.js';
import type { RunContext } from './run-context.js';

export class Laggards {
  private readonly lagging: Promise<void>[] = [];

  constructor(private readonly run: RunContext) {}

  /**
   * Resolves once every host in `working` (host -> its play, removed from the map when it finishes) is done or
   * suspect, woken by hosts finishing and by suspect changes, never by polling; `mayLeave` says whether going
   * on without suspect hosts helps anyone (otherwise they are waited for, as before). Returns the hosts still
   * working (all suspect), now left behind; a host's play failing with an error rejects it.
   */
  untilOnlySuspectsLeft(working: Map<string, Promise<void>>, mayLeave: () => boolean): Promise<string[]> {
    const sessions = this.run.sessions;
    return new Promise<string[]>((resolve, reject) => {
      let settled = false;
      // Checks come with every host finishing: a probe round over the hosts still working at each would cost
      // O(hosts) per host, O(hosts²) per play. A round is made at most once a probe interval (a host is not
      // probed sooner anyway, see SilenceWatch.probe); one asked for sooner is made when the interval is over.
      let lastRound = Number.NEGATIVE_INFINITY;
      let deferredRound: ReturnType<typeof setTimeout> | undefined;
      const probeRound = () => {
        const now = Date.now();
        if (now - lastRound < PROBE_INTERVAL_MS) {
          deferredRound ??= setTimeout(
            () => {
              deferredRound = undefined;
              check();
            },
            lastRound + PROBE_INTERVAL_MS - now,
          );
          return;
        }
        lastRound = now;
        for (const h of working.keys()) sessions.session(h).probe();
      };
      const onlySuspectsLeft = () => {
        for (const h of working.keys()) if (!sessions.session(h).suspect) return false;
        return true;
      };
      const settle = () => {
        settled = true;
        stopWatching();
        if (deferredRound !== undefined) clearTimeout(deferredRound);
      };
      const check = () => {
        if (settled) return;
        if (working.size > 0) {
          if (!mayLeave()) return;
          // others are waiting: ask the hosts still working to answer now, so a frozen one is told from a busy
          // one within a grace rather than at its next keepalive
          if (!onlySuspectsLeft()) return probeRound();
        }
        settle();
        resolve([...working.keys()]);
      };
      const stopWatching = sessions.watchSuspects(check);
      for (const work of working.values())
        work.then(
          () => queueMicrotask(check),
          (e) => {
            if (settled) return;
            settle();
            reject(e);
          },
        );
      check();
    });
  }

  /** The others go on without these hosts; `work` ends each one's play (it calls finish). */
  leave(play: Play, hosts: string[], work: Promise<unknown>[]): void {
    if (hosts.length === 0) return;
    const now = Date.now();
    for (const host of hosts) {
      const session = this.run.sessions.session(host);
      session.behind = { play: play.name, since: session.quietSince ?? now };
    }
    // the hosts still going (ansible_play_hosts) no longer include them
    this.run.sessions.stateChanges++;
    this.run.emit({
      type: 'warning',
      msg: `${hosts.join(', ')} stopped answering (an ssh keepalive went unanswered) during play '${play.name}': the other hosts go on without ${hosts.length === 1 ? 'it' : 'them'}`,
    });
    this.lagging.push(...work.map((w) => w.then(() => undefined)));
  }

  /**
   * A host left behind finished the task it was in: unless that made it unreachable or failed, it waits to be
   * heard again or given up, then ends as such.
   */
  async finish(play: Play, session: HostSession): Promise<void> {
    const behind = session.behind;
    if (!behind || session.state !== 'ok') return;
    const sessions = this.run.sessions;
    if (session.suspect && session.lostWhy === undefined)
      await new Promise<void>((resolve) => {
        const stop = sessions.watchSuspects((s) => {
          if (s !== session || (s.suspect && s.lostWhy === undefined)) return;
          stop();
          resolve();
        });
      });
    if (session.lostWhy !== undefined) {
      sessions.unreachable(play, session, session.lostWhy);
      return;
    }
    const quietFor = Math.max(1, Math.round(((session.lastSilence?.to ?? Date.now()) - behind.since) / 1000));
    const msg =
      `${session.name} fell behind: it stopped answering for ${quietFor} s during play '${behind.play}' and the ` +
      `other hosts went on; rerun with --limit ${session.name}`;
    session.state = 'failed';
    this.run.stats(session.name).failed++;
    this.run.emit({
      type: 'task_result',
      play: play.name,
      task: 'fell behind',
      host: session.name,
      status: 'failed',
      handler: false,
      msg,
      durationMs: 0,
    });
  }

  /** Every host left behind has ended (the run's recap waits for it); rejects if a host's play threw. */
  async settled(): Promise<void> {
    while (this.lagging.length > 0) await Promise.all(this.lagging.splice(0));
  }
}
