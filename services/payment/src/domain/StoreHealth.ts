/**
 * The port through which readiness asks whether the payment store answers. The PostgreSQL adapter
 * runs `SELECT 1`; the in-memory adapter is always up.
 */
import { Context, Data, type Effect } from "effect"

export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  /** The adapter, e.g. "postgresql". */
  readonly store: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.store} unavailable: ${this.reason}`
  }
}

export class StoreHealth extends Context.Tag("payment/StoreHealth")<StoreHealth, {
  /** The adapter's name ("postgresql", "in-memory"): readiness reports a failed check under it. */
  readonly name: string
  readonly check: Effect.Effect<void, StoreUnavailable>
}>() {}
