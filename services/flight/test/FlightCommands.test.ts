/**
 * The commands' events: each change leaves its event in the outbox, with the data consumers read,
 * its place in the saga, and the trace of the request that caused it.
 */
import { Outbox } from "@flight/bus"
import { type AnyMessage, StoredMessage } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { FlightCommands } from "../src/application/FlightCommands.ts"
import * as Flight from "../src/domain/Flight.ts"
import { FlightRepository } from "../src/domain/FlightRepository.ts"
import * as InMemoryFlightRepository from "../src/infrastructure/InMemoryFlightRepository.ts"
import { inMemoryLayer } from "../src/main.ts"
import { booking, bookingCreated, scheduleOf } from "./support/Fixtures.ts"

const schedule = scheduleOf()

/** Everything the outbox holds now, claimed and completed. */
const drain = Effect.gen(function* () {
  const outbox = yield* Outbox.Store
  const entries = yield* outbox.claim({ owner: "test", limit: 1000, lease: Duration.minutes(1) })
  yield* outbox.complete("test", entries.map((entry) => entry.id))
  return entries
})

const bookingOf = (flightId: Flight.Flight["id"], seats: ReadonlyArray<string>) => bookingCreated(booking(flightId, seats))

const only = <T extends AnyMessage["type"]>(entries: ReadonlyArray<Outbox.OutboxEntry>, type: T) => {
  const found = entries.filter((entry) => entry.message.type === type)
  expect(found).toHaveLength(1)
  return StoredMessage.decodeSync(found[0]!.message) as Extract<AnyMessage, { readonly type: T }>
}

/** A store that takes a moment to write, as a real one does, so concurrent writers really race. */
let conflicts = 0
let keysTaken = 0
const racing = Layer.provideMerge(
  FlightCommands.Default,
  Layer.effect(
    FlightRepository,
    Effect.map(FlightRepository, (repository) => ({
      ...repository,
      insert: (flight, events, request) =>
        Effect.zipRight(Effect.sleep("5 millis"), repository.insert(flight, events, request)).pipe(
          Effect.tapErrorTag("IdempotencyKeyTaken", () => Effect.sync(() => keysTaken++)),
        ),
      save: (flight, booking, events) =>
        Effect.zipRight(Effect.sleep("1 millis"), repository.save(flight, booking, events)).pipe(
          Effect.tapErrorTag("VersionConflict", () => Effect.sync(() => conflicts++)),
        ),
    } satisfies FlightRepository["Type"])),
  ).pipe(Layer.provideMerge(InMemoryFlightRepository.layer)),
)

describe("flight commands and their events", () => {
  const it = (name: string, body: () => Effect.Effect<void, unknown, FlightCommands | Outbox.Store>) =>
    EffectTest.effect(name, body, { layer: inMemoryLayer })

  it("scheduling leaves flight.scheduled with the flight, starting a saga named by the flight, in the request's trace", () =>
    Effect.gen(function* () {
      const commands = yield* FlightCommands
      const { flight } = yield* commands.schedule(schedule, Option.none()).pipe(Effect.withSpan("POST /api/flights"))
      const entries = yield* drain
      const message = only(entries, "flight.scheduled")
      expect(message.data.flightId).toBe(flight.id)
      expect(message.data.cabins).toEqual(schedule.cabins)
      expect(DateTime.formatIso(message.data.departureAt)).toBe("2026-12-01T10:00:00.000Z")
      expect(message.correlationId).toBe(flight.id)
      expect(message.source).toBe("flight")
      expect(entries[0]!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    }))

  it("a status change leaves flight.status-changed with the old and new status, reason and departure", () =>
    Effect.gen(function* () {
      const commands = yield* FlightCommands
      const { flight } = yield* commands.schedule(schedule, Option.none())
      yield* drain
      yield* commands.changeStatus(flight.id, {
        status: "delayed",
        reason: Option.some("late inbound aircraft"),
        departureAt: Option.some(DateTime.unsafeMake("2026-12-01T13:00:00Z")),
      })
      const message = only(yield* drain, "flight.status-changed")
      expect(message.data).toMatchObject({ flightId: flight.id, previousStatus: "scheduled", status: "delayed", reason: "late inbound aircraft" })
      expect(DateTime.formatIso(message.data.departureAt)).toBe("2026-12-01T13:00:00.000Z")
    }))

  it("a booking that takes seats leaves flight.seats-updated with every cabin, caused by the booking event; a redelivery leaves nothing", () =>
    Effect.gen(function* () {
      const commands = yield* FlightCommands
      const { flight } = yield* commands.schedule(schedule, Option.none())
      yield* drain
      const created = yield* bookingOf(flight.id, ["10A", "10B"])
      expect(yield* commands.applyBooking(created)).toBe(true)
      const message = only(yield* drain, "flight.seats-updated")
      expect(message.data).toEqual({
        flightId: flight.id,
        cabins: [
          { cabin: "economy", capacity: 60, availableSeats: 58 },
          { cabin: "business", capacity: 4, availableSeats: 4 },
        ],
      })
      expect(message.causationId).toBe(created.id)
      expect(message.correlationId).toBe(created.correlationId)
      expect(yield* commands.applyBooking(created)).toBe(false)
      expect(yield* drain).toEqual([])
    }))

  EffectTest.effect("concurrent changes of one flight are each applied, the losers of a race computed again", () =>
    Effect.gen(function* () {
      const commands = yield* FlightCommands
      const { flight } = yield* commands.schedule(schedule, Option.none())
      yield* drain
      const delays = Array.from({ length: 20 }, (_, index) => DateTime.unsafeMake(Date.parse("2026-12-01T11:00:00Z") + index * 60_000))
      yield* Effect.forEach(delays, (departureAt) =>
        commands.changeStatus(flight.id, { status: "delayed", reason: Option.none(), departureAt: Option.some(departureAt) }), {
        concurrency: "unbounded",
      })
      const bookings = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, index) => `${10 + Math.floor(index / 6)}${"ABCDEF"[index % 6]}`),
        (seat) => Effect.flatMap(bookingOf(flight.id, [seat]), commands.applyBooking),
        { concurrency: "unbounded" },
      )
      expect(bookings.every((changed) => changed)).toBe(true)
      const entries = yield* drain
      expect(entries.filter((entry) => entry.message.type === "flight.status-changed")).toHaveLength(20)
      const updates = entries.filter((entry) => entry.message.type === "flight.seats-updated")
      expect(updates).toHaveLength(20)
      const last = StoredMessage.decodeSync(updates.at(-1)!.message) as Extract<AnyMessage, { readonly type: "flight.seats-updated" }>
      expect(last.data.cabins[0]!.availableSeats).toBe(40)
      expect(conflicts).toBeGreaterThan(0)
    }), { layer: racing })

  EffectTest.effect("two requests with one Idempotency-Key racing to create: one flight, and both answer it", () =>
    Effect.gen(function* () {
      keysTaken = 0
      const commands = yield* FlightCommands
      const request = Option.some({ key: "race-1", fingerprint: "same" })
      const [a, b] = yield* Effect.all([commands.schedule(schedule, request), commands.schedule(schedule, request)], {
        concurrency: 2,
      })
      expect(keysTaken).toBe(1)
      expect(a!.flight.id).toBe(b!.flight.id)
      expect([a!.replayed, b!.replayed].toSorted()).toEqual([false, true])
      expect((yield* drain).filter((entry) => entry.message.type === "flight.scheduled")).toHaveLength(1)
    }), { layer: racing })

  EffectTest.effect("two different requests with one Idempotency-Key racing: one flight, the other refused as a reuse", () =>
    Effect.gen(function* () {
      const commands = yield* FlightCommands
      const results = yield* Effect.all([
        Effect.either(commands.schedule(schedule, Option.some({ key: "race-2", fingerprint: "first" }))),
        Effect.either(commands.schedule(scheduleOf({ flightNumber: "BA999" }), Option.some({ key: "race-2", fingerprint: "second" }))),
      ], { concurrency: 2 })
      const tags = results.map((result) => (result._tag === "Right" ? "scheduled" : result.left._tag)).toSorted()
      expect(tags).toEqual(["IdempotencyKeyReused", "scheduled"])
    }), { layer: racing })
})
