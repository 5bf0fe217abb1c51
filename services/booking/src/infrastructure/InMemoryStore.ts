/**
 * The store of the embedded mode and of development without REDIS_URL: the state lives in the
 * process, so it is always up.
 */
import { Effect, Layer } from "effect"
import { StoreHealth } from "../domain/StoreHealth.ts"

export const name = "in-memory"

export const layer: Layer.Layer<StoreHealth> = Layer.succeed(StoreHealth, { name, check: Effect.void })
