import type { RemoteStat } from '../connection/types.js';
import type { FactRequest, HostFacts } from '../facts/host-facts.js';
import type { Cmd } from '../remote-command.js';
import type { ArgSchema } from './args.js';

/** A change a module wants; only the engine's apply step performs it, and never in check mode. */
export type Change =
  | {
      kind: 'exec';
      cmd: Cmd;
      /** Exit codes that mean success (default [0]); e.g. iscsiadm's 15 "session already exists". */
      okCodes?: number[];
    }
  | {
      kind: 'write';
      path: string;
      content: Buffer;
      mode?: number;
      uid?: number;
      gid?: number;
      backup?: boolean;
    }
  | {
      /** A request that changes a REST API target (an E-Series array); path relative to its storage system. */
      kind: 'api';
      method: 'POST' | 'DELETE';
      path: string;
      body?: unknown;
    };

export interface Plan {
  changes: Change[];
  /** Unified diff of what the changes would do to files (shown with --diff). */
  diff?: string;
  /** Why nothing needs doing, when changes is empty. */
  noop?: string;
  /** In check mode: what would happen, for changes whose effect cannot be previewed as a diff. */
  preview?: string;
  /** Values for `register` (and set_fact's ansible_facts, debug's msg). */
  result?: Record<string, unknown>;
  /** The task fails without changing anything (assert, fail, a refused format). */
  failed?: string;
}

/** What a module may use while planning: reads only. There is no way to write from here. */
export interface PlanContext {
  host: string;
  vars: Record<string, unknown>;
  /**
   * The host's facts cache, as the engine hands it over. A module never reads it itself: defineModule reads
   * the facts the module declares through it and hands the plan those alone (src/modules/define-module.ts).
   */
  facts: HostFacts;
  check: boolean;
  /**
   * Whether the run shows diffs (--diff); false: nobody shows one and a module need not build it (as an Ansible
   * module looks at its _diff). Not given: built.
   */
  diff?: boolean;
  /** Reads a file on the controller, relative to the playbook's folder (templates/ searched too). */
  readLocal(path: string, kind: 'template' | 'file'): Promise<{ path: string; content: Buffer }>;
  /** Renders a Handlebars template file with the host's variables. */
  renderTemplate(path: string): Promise<string>;
}

export interface Module<A = Record<string, unknown>> {
  name: string;
  /** One line for --help style listings and error messages. */
  summary: string;
  schema: ArgSchema;
  /** A plain string value of the task maps to this argument (`command: ls -l` → cmd). */
  freeForm?: string;
  /** Accepts any argument names (set_fact). */
  anyArgs?: boolean;
  /** Modules that only evaluate (debug, assert, set_fact) never touch the host and run in check mode. */
  local?: boolean;
  /** Plans against an E-Series array's REST API (ansible_connection: eseries_api), never a host's shell. */
  arrayApi?: boolean;
  /**
   * What its plan may read ahead, from its arguments alone: prefetched for the whole play in one round trip.
   * Derived from `reads` by defineModule (the facts a module declares), never written by hand.
   */
  wants?(args: A, vars: Record<string, unknown>): FactRequest[];
  /** Every read its plan may make (the facts it declares, those read at their turn too); a plan reads nothing else. */
  reads?(args: A, vars: Record<string, unknown>): FactRequest[];
  plan(ctx: PlanContext, args: A): Promise<Plan>;
}

export type { RemoteStat };
