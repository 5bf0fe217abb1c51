/**
 * The notification store: the state lives in the process, so it is always up. A persistent store
 * can replace it behind the same ports.
 */
import { Effect, Layer } from "effect"
import { StoreHealth } from "../domain/StoreHealth.ts"

export const name = "in-memory"

export const layer: Layer.Layer<StoreHealth> = Layer.succeed(StoreHealth, { name, check: Effect.void })
