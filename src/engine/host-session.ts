import type { Connection } from '../connection/types.js';
import { HostFacts } from '../facts/host-facts.js';

export type HostState = 'ok' | 'failed' | 'unreachable';

let stateChanges = 0;

/**
 * How many times a host's state changed in this process: the hosts still in a play (ansible_play_hosts)
 * are worked out again only when it moves, not for every host and task.
 */
export function hostStateChanges(): number {
  return stateChanges;
}

/** Everything sshplay holds for one host during a run: its connection, facts cache and variables set by tasks. */
export class HostSession {
  conn?: Connection;
  facts?: HostFacts;
  /** Facts gathered at the first play (ansible_* names). */
  gathered: Record<string, unknown> = {};
  /** `register` results and `set_fact` values: host variables for the rest of the run. */
  setVars: Record<string, unknown> = {};
  private current: HostState = 'ok';
  /** Files a no_log task wrote: their diffs are hidden for the rest of the run. */
  readonly secretFiles = new Set<string>();
  private opening?: Promise<Connection>;

  constructor(readonly name: string) {}

  get state(): HostState {
    return this.current;
  }

  set state(value: HostState) {
    if (value !== this.current) stateChanges++;
    this.current = value;
  }

  get hasGathered(): boolean {
    return Object.keys(this.gathered).length > 0;
  }

  async connection(open: () => Promise<Connection>): Promise<Connection> {
    if (this.conn) return this.conn;
    this.opening ??= open();
    this.conn = await this.opening;
    this.facts = new HostFacts(this.conn);
    return this.conn;
  }

  async close(): Promise<void> {
    await this.conn?.close().catch(() => undefined);
  }
}
