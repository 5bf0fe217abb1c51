/** The sweeper: one booking it cannot expire never holds back the others. */
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, Layer, Logger, Option } from "effect"
import { BookingCommands, HoldTtl, MaxHeldSeats } from "../src/application/BookingCommands.ts"
import * as ExpirySweeper from "../src/application/ExpirySweeper.ts"
import { BookingRepository, BookingStoreError } from "../src/domain/BookingRepository.ts"
import * as InMemoryBookingRepository from "../src/infrastructure/InMemoryBookingRepository.ts"
import { holdRequest, seating } from "./support/Fixtures.ts"

/** The in-memory store, except that one booking cannot be read (as stored data this build cannot decode). */
let unreadable: string | null = null
const store = Layer.effect(
  BookingRepository,
  Effect.map(BookingRepository, (repository) => ({
    ...repository,
    get: (id) =>
      id === unreadable
        ? Effect.fail(new BookingStoreError({ operation: "read", reason: "stored booking is invalid", transient: false }))
        : repository.get(id),
  } satisfies BookingRepository["Type"])),
).pipe(Layer.provideMerge(InMemoryBookingRepository.layer))

const layer = Layer.provideMerge(BookingCommands.Default, Layer.mergeAll(store, Layer.succeed(HoldTtl, Duration.minutes(15)), Layer.succeed(MaxHeldSeats, 9)))
  .pipe(Layer.provide(Logger.replace(Logger.defaultLogger, Logger.none)))

EffectTest.effect("a booking that cannot be read is dropped from the index, and the others due expire in the same pass", () =>
  Effect.gen(function* () {
    const repository = yield* BookingRepository
    const flight = seating()
    yield* repository.seed(flight)
    const held = yield* Effect.forEach([0, 1, 2], () =>
      Effect.flatMap(holdRequest(flight.flightId, [undefined], { ttl: "1 millis" }), repository.hold))
    unreadable = held[0]!.booking.id
    yield* Effect.sleep("5 millis")
    expect(yield* ExpirySweeper.sweepOnce()).toBe(3)
    for (const { booking } of held.slice(1)) {
      expect(Option.map(yield* repository.get(booking.id), (b) => b.status)).toEqual(Option.some("expired"))
    }
    expect(yield* ExpirySweeper.sweepOnce()).toBe(0)
  }), { layer })
