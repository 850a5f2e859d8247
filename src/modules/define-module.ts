import type { FactUse } from '../facts/fact.js';
import type { Module, Plan, PlanContext } from './types.js';

/** The facts a module's plan reads, by the names its plan uses; a fact it reads only sometimes may be undefined. */
export type FactUses = Record<string, FactUse<unknown> | undefined>;

/** Each declared fact as a function reading it (through the host's cache, read ahead where it may be). */
export type FactReader<U extends FactUses> = { [K in keyof U]: ReaderOf<U[K]> };

/** Distributes over `FactUse<T> | undefined`: a fact declared only sometimes is read only when declared. */
type ReaderOf<V> = V extends FactUse<infer T> ? () => Promise<T> : undefined;

/** What a module plans with: the plan context without the raw reads, so a plan reads only the facts it declared. */
export type ModuleContext = Omit<PlanContext, 'facts'>;

export interface FactModule<A, U extends FactUses> extends Omit<Module<A>, 'plan' | 'wants' | 'reads'> {
  /** The facts the plan reads for these arguments (from the catalogue in src/facts). */
  facts(args: A, vars: Record<string, unknown>): U;
  plan(ctx: ModuleContext, args: A, read: FactReader<U>): Promise<Plan>;
}

function requestsOf(uses: FactUses, aheadOnly: boolean) {
  return Object.values(uses).flatMap((u) => (u && (u.ahead || !aheadOnly) ? u.requests : []));
}

/**
 * A module whose reads are its declared facts: `wants` (what the engine reads ahead) and `reads` are
 * derived from `facts`, and its plan is handed a reader of exactly those facts, so what is read ahead and
 * what the plan reads cannot drift apart (a read the read-ahead missed would cost a round trip).
 */
export function defineModule<A, U extends FactUses>(spec: FactModule<A, U>): Module<A> {
  const { facts, plan, ...rest } = spec;
  return {
    ...rest,
    wants: (args, vars) => requestsOf(facts(args, vars), true),
    reads: (args, vars) => requestsOf(facts(args, vars), false),
    plan(ctx, args) {
      const uses = facts(args, ctx.vars);
      const read = Object.fromEntries(
        Object.entries(uses).map(([name, use]) => [name, use && (() => use.read(ctx.facts))]),
      ) as FactReader<U>;
      const { facts: _raw, ...planning } = ctx;
      return plan(planning, args, read);
    },
  };
}
