/**
 * The port through which the gateway counts requests against a budget: the store answers the
 * standing of the budget after the request (what remains, when it is whole again, whether it was
 * exceeded). Counting is atomic in the store, so instances sharing one store share the budgets.
 */
import { Context, type Effect } from "effect"
import type { Charge, Standing } from "./RateLimitPolicy.ts"

export class RateLimitStore extends Context.Tag("gateway/RateLimitStore")<RateLimitStore, {
  /** What the logs call it ("in-memory", "Redis host:port"). */
  readonly name: string
  /** Spends one request of each charge's budget, all at once. */
  readonly consume: (charges: ReadonlyArray<Charge>) => Effect.Effect<ReadonlyArray<Standing>>
  /**
   * The same count for the HTTP edge, which runs it on every request outside Effect: the standings
   * at once when the store counts in memory, a promise (never rejected) when it asks another process.
   */
  readonly spend: (charges: ReadonlyArray<Charge>) => ReadonlyArray<Standing> | Promise<ReadonlyArray<Standing>>
}>() {}
