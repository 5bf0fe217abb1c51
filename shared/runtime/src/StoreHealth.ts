/**
 * The port through which readiness asks whether a service's store answers. Each service's store
 * adapter provides it: a real adapter asks its server, the in-memory adapter is always up.
 */
import { Context, Data, Effect, Layer } from "effect"

export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  /** The adapter, e.g. "redis". */
  readonly store: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.store} unavailable: ${this.reason}`
  }
}

export class StoreHealth extends Context.Tag("@flight/runtime/StoreHealth")<StoreHealth, {
  /** The adapter's name ("redis", "in-memory"): readiness reports a failed check under it. */
  readonly name: string
  readonly check: Effect.Effect<void, StoreUnavailable>
}>() {}

/** The in-memory adapters' health: the state lives in the process, so it is always up. */
export const inMemoryName = "in-memory"
export const inMemory: Layer.Layer<StoreHealth> = Layer.succeed(StoreHealth, { name: inMemoryName, check: Effect.void })
