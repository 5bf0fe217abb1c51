/**
 * What the BookingRepository contract modules share: the adapter's layer, a test on a fresh one, a
 * flight seeded on it, the seat counts of its economy cabin, and the outbox drained of one flight.
 */
import { StoredMessage } from "@flight/contracts"
import { Outbox } from "@flight/bus"
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, type Layer } from "effect"
import { BookingRepository } from "../../src/domain/BookingRepository.ts"
import { seating } from "./Fixtures.ts"

export type RepositoryLayer = Layer.Layer<BookingRepository | Outbox.Store, unknown>

const lease = Duration.seconds(30)

/** Everything in the outbox now, claimed and completed, of one flight. */
export const drain = (flightId: string) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox.Store
    const all: Array<Outbox.OutboxEntry> = []
    for (let pass = 0; pass < 20; pass++) {
      const entries = yield* outbox.claim({ owner: "test", limit: 500, lease })
      yield* outbox.complete("test", entries.map((entry) => entry.id))
      all.push(...entries)
      if (entries.length === 0) break
    }
    return all.filter((entry) => {
      const { data } = StoredMessage.decodeSync(entry.message)
      return "flightId" in data && data.flightId === flightId
    })
  })

/** Registers a test of the contract, run on a fresh layer of the adapter. */
export type ContractTest = (title: string, body: () => Effect.Effect<void, unknown, BookingRepository | Outbox.Store>) => void

export const contractTest = (layer: () => RepositoryLayer): ContractTest => (title, body) =>
  EffectTest.effect(title, () => body(), { layer: layer(), timeout: 30_000 })

/** A flight on sale in the repository (`seating`'s unless overridden). */
export const seeded = (overrides?: Parameters<typeof seating>[0]) =>
  Effect.gen(function* () {
    const repository = yield* BookingRepository
    const flight = seating(overrides)
    expect(yield* repository.seed(flight)).toBe(true)
    return { repository, flight }
  })

/** The economy seat map of a flight, and how many of its seats are free, held and sold. */
export const states = (flightId: Parameters<BookingRepository["Type"]["seatMap"]>[0]) =>
  Effect.gen(function* () {
    const map = yield* (yield* BookingRepository).seatMap(flightId, "economy")
    const count = (state: string) => map.filter((seat) => seat.state === state).length
    return { map, free: count("free"), held: count("held"), sold: count("sold") }
  })
