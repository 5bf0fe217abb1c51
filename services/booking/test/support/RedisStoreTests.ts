/**
 * A booking store on a real Redis for a test file: keys under a prefix of the file's own (deleted
 * after it), the store's layer, `it` with that layer, and `drainFlight`, which takes and completes
 * whatever the outbox holds.
 */
import { StoredMessage } from "@flight/contracts"
import { Outbox } from "@flight/bus"
import { EffectTest } from "@flight/runtime/testing"
import { afterAll } from "bun:test"
import { Duration, Effect, Layer, Redacted } from "effect"
import type { BookingRepository } from "../../src/domain/BookingRepository.ts"
import * as RedisBookingRepository from "../../src/infrastructure/RedisBookingRepository.ts"
import * as RedisStore from "../../src/infrastructure/RedisStore.ts"
import type { RedisClient } from "../../src/infrastructure/RedisStore.ts"
import { deletePrefix, testPrefix } from "./Fixtures.ts"

export const make = (url: string) => {
  // Keys of its own on the shared Redis, deleted afterwards: what other runs left cannot interfere.
  const prefix = testPrefix()
  const keys = RedisBookingRepository.keysFor(prefix)
  afterAll(() => deletePrefix(url, prefix))
  const layer = () =>
    RedisBookingRepository.layerWith({ prefix }).pipe(Layer.provideMerge(RedisStore.layer(Redacted.make(new URL(url)))))
  const lease = Duration.seconds(30)
  const it = (name: string, body: () => Effect.Effect<void, unknown, BookingRepository | Outbox.Store | RedisClient>) =>
    EffectTest.effect(name, body, { layer: layer(), timeout: 30_000 })

  /** The flight's outbox entries this relay takes (every flight's are taken and completed). */
  const drainFlight = (flightId: string) =>
    Effect.gen(function* () {
      const outbox = yield* Outbox.Store
      const entries = yield* outbox.claim({ owner: "test", limit: 1000, lease })
      yield* outbox.complete("test", entries.map((entry) => entry.id))
      return entries.filter((entry) => {
      const { data } = StoredMessage.decodeSync(entry.message)
      return "flightId" in data && data.flightId === flightId
    })
    })

  return { prefix, keys, layer, lease, it, drainFlight } as const
}
