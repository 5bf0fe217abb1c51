/**
 * The port through which readiness asks whether the notification store answers. Only the in-memory
 * adapter exists so far; it is always up.
 */
import { Context, Data, type Effect } from "effect"

export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  /** The adapter, e.g. "in-memory". */
  readonly store: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.store} unavailable: ${this.reason}`
  }
}

export class StoreHealth extends Context.Tag("notification/StoreHealth")<StoreHealth, {
  /** The adapter's name ("in-memory"): readiness reports a failed check under it. */
  readonly name: string
  readonly check: Effect.Effect<void, StoreUnavailable>
}>() {}
