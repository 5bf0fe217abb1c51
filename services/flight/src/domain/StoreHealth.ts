/**
 * The port through which readiness asks whether the flight store answers. The MongoDB adapter
 * pings the server; the in-memory adapter is always up.
 */
import { Context, Data, type Effect } from "effect"

export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  /** The adapter, e.g. "mongodb". */
  readonly store: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.store} unavailable: ${this.reason}`
  }
}

export class StoreHealth extends Context.Tag("flight/StoreHealth")<StoreHealth, {
  /** The adapter's name ("mongodb", "in-memory"): readiness reports a failed check under it. */
  readonly name: string
  readonly check: Effect.Effect<void, StoreUnavailable>
}>() {}
