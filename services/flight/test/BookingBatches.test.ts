/**
 * The batcher of booking events: many events of a flight in one write, each still applied once per
 * booking; a refused event fails alone; a failed write fails its whole batch and leaves nothing; one
 * flight's write never holds up another's. On the in-memory store always, on MongoDB when
 * MONGODB_URL is set, behind a store that takes a moment to write so that batches really form.
 */
import { Outbox } from "@flight/bus"
import { type AnyMessage, type BookingId, type Cabin, type FlightId, StoredMessage } from "@flight/contracts"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import {
  Cause,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  FastCheck,
  Fiber,
  Layer,
  Option,
  Ref,
  Runtime,
  type Scope,
} from "effect"
import * as BookingBatches from "../src/application/BookingBatches.ts"
import { type BookingEvent, FlightCommands } from "../src/application/FlightCommands.ts"
import { FlightRepository, FlightStoreError } from "../src/domain/FlightRepository.ts"
import * as InMemoryFlightRepository from "../src/infrastructure/InMemoryFlightRepository.ts"
import { type Booking, booking, bookingCancelled, bookingConfirmed, bookingCreated, scheduleOf } from "./support/Fixtures.ts"
import { isolated } from "./support/MongoIsolated.ts"

/** What the tests steer and observe of the store under the batcher. */
interface Store {
  /** The number of ledger entries each successful save wrote, in order. */
  readonly saves: Ref.Ref<ReadonlyArray<number>>
  /** When set, every save fails as an unreachable store does. */
  readonly failing: Ref.Ref<boolean>
  /** Saves of this flight wait for the gate to open. */
  readonly gate: Ref.Ref<Option.Option<Gate>>
  /** The most saves of one flight under way at once. */
  readonly busiest: Ref.Ref<number>
}
interface Gate {
  readonly flightId: FlightId
  readonly open: Deferred.Deferred<void>
}
class StoreControl extends Context.Tag("test/StoreControl")<StoreControl, Store>() {}

/** The repository with a write that takes a few milliseconds, and the controls above. */
const steered = <E>(store: Layer.Layer<FlightRepository | Outbox.Store, E>) =>
  Layer.provideMerge(
    FlightCommands.Default,
    Layer.effectContext(Effect.gen(function* () {
      const repository = yield* FlightRepository
      const control: Store = {
        saves: yield* Ref.make<ReadonlyArray<number>>([]),
        failing: yield* Ref.make(false),
        gate: yield* Ref.make(Option.none<Gate>()),
        busiest: yield* Ref.make(0),
      }
      const underway = new Map<FlightId, number>()
      const save: FlightRepository["Type"]["save"] = (flight, ledger, events) =>
        Effect.gen(function* () {
          underway.set(flight.id, (underway.get(flight.id) ?? 0) + 1)
          yield* Ref.update(control.busiest, (most) => Math.max(most, underway.get(flight.id)!))
          const gate = yield* Ref.get(control.gate)
          if (Option.isSome(gate) && gate.value.flightId === flight.id) yield* Deferred.await(gate.value.open)
          yield* Effect.sleep("5 millis")
          if (yield* Ref.get(control.failing)) {
            return yield* Effect.fail(new FlightStoreError({ operation: "update", reason: "connection refused" }))
          }
          yield* repository.save(flight, ledger, events)
          yield* Ref.update(control.saves, (all) => [...all, ledger.length])
        }).pipe(Effect.ensuring(Effect.sync(() => underway.set(flight.id, underway.get(flight.id)! - 1))))
      return Context.make(FlightRepository, { ...repository, save }).pipe(Context.add(StoreControl, control))
    })).pipe(Layer.provideMerge(store)),
  )

/** "applied", or the tag of the typed error a handler failed with. */
const outcomeOf = (exit: Exit.Exit<boolean, { readonly _tag: string }>) =>
  Exit.match(exit, {
    onSuccess: () => "applied",
    onFailure: (cause) => Option.match(Cause.failureOption(cause), { onNone: () => "defect", onSome: (error) => error._tag }),
  })

const environments: ReadonlyArray<{ readonly name: string; readonly store: () => Layer.Layer<FlightRepository | Outbox.Store, unknown> }> = [
  { name: "in memory", store: () => InMemoryFlightRepository.layer },
  ...(RealServer.url("MONGODB_URL") === undefined ? [] : [{ name: "MongoDB", store: () => isolated(RealServer.url("MONGODB_URL")!) }]),
]

let numbers = 0
/** A new flight (a number of its own): economy 60 seats, business 4. */
const scheduled = Effect.gen(function* () {
  const commands = yield* FlightCommands
  const { flight } = yield* commands.schedule(scheduleOf({ flightNumber: `BA${1000 + (numbers++ % 9000)}` }), Option.none())
  return flight.id
})

const availableOf = (flightId: FlightId, cabin: Cabin = "economy") =>
  Effect.gen(function* () {
    const repository = yield* FlightRepository
    const flight = Option.getOrThrow(yield* repository.get(flightId))
    return flight.availability.find((entry) => entry.cabin === cabin)!.available
  })

/** Everything the outbox holds now, claimed and completed. */
const drain = Effect.gen(function* () {
  const outbox = yield* Outbox.Store
  const entries = yield* outbox.claim({ owner: "test", limit: 10_000, lease: Duration.minutes(1) })
  yield* outbox.complete("test", entries.map((entry) => entry.id))
  return entries.map((entry) => StoredMessage.decodeSync(entry.message))
})

const seatsUpdated = (messages: ReadonlyArray<AnyMessage>, flightId: FlightId) =>
  messages.filter((message) => message.type === "flight.seats-updated" && message.data.flightId === flightId)

/**
 * Applies `first` and, while its write is under way, `rest` all at once: `rest` go in one batch.
 * Each handler's outcome, in the order given.
 */
const inOneBatch = (batches: BookingBatches.BookingBatches, first: BookingEvent, rest: ReadonlyArray<BookingEvent>) =>
  Effect.gen(function* () {
    const leading = yield* Effect.fork(batches.apply(first))
    yield* Effect.sleep("1 millis")
    const outcomes = yield* Effect.forEach(rest, (event) => Effect.exit(batches.apply(event)), { concurrency: "unbounded" })
    yield* Fiber.join(leading)
    return outcomes
  })

const suite = (environment: (typeof environments)[number]) =>
  describe(`booking events applied in batches: ${environment.name}`, () => {
    const it = (name: string, body: () => Effect.Effect<void, unknown, FlightCommands | FlightRepository | Outbox.Store | StoreControl | Scope.Scope>) =>
      EffectTest.effect(name, body, { layer: steered(environment.store()), timeout: 60_000 })

    it("forty events of one flight, at once: fewer writes than events, every booking counted once", () =>
      Effect.gen(function* () {
        const flightId = yield* scheduled
        yield* drain
        const batches = yield* BookingBatches.make()
        const events = yield* Effect.forEach(Array.from({ length: 40 }), () => bookingCreated(booking(flightId, ["10A"])))
        const changed = yield* Effect.forEach(events, batches.apply, { concurrency: "unbounded" })
        expect(changed.every((seats) => seats)).toBe(true)
        expect(yield* availableOf(flightId)).toBe(20)
        const saves = yield* Ref.get((yield* StoreControl).saves)
        expect(saves.reduce((sum, count) => sum + count, 0)).toBe(40)
        expect(saves.length).toBeLessThan(40)
        expect(Math.max(...saves)).toBeGreaterThan(1)
        // One report per event that changed the seats, each with the seats as that event left them.
        const reports = seatsUpdated(yield* drain, flightId)
        expect(reports).toHaveLength(40)
        expect(reports.map((report) => (report.type === "flight.seats-updated" ? report.data.cabins[0]!.availableSeats : -1)).toSorted((a, b) => b - a))
          .toEqual(Array.from({ length: 40 }, (_, index) => 59 - index))
      }))

    it("any mix of created, confirmed, cancelled and redeliveries, in any order and batches: each booking counted once", () =>
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<FlightCommands | FlightRepository | Outbox.Store | Scope.Scope>()
        const kinds = FastCheck.subarray(["created", "confirmed", "cancelled"] as const, { minLength: 1 })
        const bookings = FastCheck.array(
          FastCheck.record({ seats: FastCheck.integer({ min: 1, max: 2 }), kinds, redelivered: FastCheck.boolean() }),
          { minLength: 1, maxLength: 25 },
        )
        yield* Effect.promise(() =>
          FastCheck.assert(
            FastCheck.asyncProperty(bookings, FastCheck.array(FastCheck.nat(), { minLength: 150, maxLength: 150 }), (drawn, keys) =>
              Runtime.runPromise(runtime)(Effect.gen(function* () {
                const flightId = yield* scheduled
                yield* drain
                const batches = yield* BookingBatches.make()
                const events: Array<BookingEvent> = []
                let taken = 0
                for (const draw of drawn) {
                  const b: Booking = booking(flightId, Array.from({ length: draw.seats }, (_, index) => `1${index}A`))
                  const of = { created: bookingCreated, confirmed: bookingConfirmed, cancelled: bookingCancelled }
                  for (const kind of draw.kinds) {
                    const event = yield* of[kind](b)
                    events.push(event)
                    if (draw.redelivered) events.push(event)
                  }
                  if (!draw.kinds.includes("cancelled")) taken += draw.seats
                }
                // A shuffle drawn by fast-check, so a failure shrinks to a small case.
                const shuffled = events
                  .map((event, index) => ({ event, key: keys[index]! }))
                  .toSorted((a, b) => a.key - b.key)
                  .map(({ event }) => event)
                const changed = yield* Effect.forEach(shuffled, batches.apply, { concurrency: "unbounded" })
                expect(yield* availableOf(flightId)).toBe(60 - taken)
                expect(seatsUpdated(yield* drain, flightId)).toHaveLength(changed.filter((seats) => seats).length)
              }).pipe(Effect.scoped)),
          ),
          { numRuns: environment.name === "in memory" ? 60 : 6 },
        ))
      }))

    it("an event redelivered within one batch changes nothing the second time", () =>
      Effect.gen(function* () {
        const flightId = yield* scheduled
        yield* drain
        const batches = yield* BookingBatches.make()
        const again = yield* bookingCreated(booking(flightId, ["10A", "10B"]))
        const outcomes = yield* inOneBatch(batches, yield* bookingCreated(booking(flightId, ["11A"])), [
          again,
          yield* bookingCreated(booking(flightId, ["12A"])),
          again,
        ])
        expect(outcomes.map((outcome) => Exit.isSuccess(outcome) ? outcome.value : outcomeOf(outcome))).toEqual([true, true, false])
        expect(yield* availableOf(flightId)).toBe(56)
        expect(yield* Ref.get((yield* StoreControl).saves)).toEqual([1, 2])
        expect(seatsUpdated(yield* drain, flightId)).toHaveLength(3)
        expect(yield* batches.apply(again)).toBe(false)
        expect(yield* availableOf(flightId)).toBe(56)
      }))

    it("an event the rules refuse fails alone, to be dead-lettered; the others of its batch are applied", () =>
      Effect.gen(function* () {
        const flightId = yield* scheduled
        yield* drain
        const batches = yield* BookingBatches.make()
        const unknownCabin = booking(flightId, ["1A"], "first")
        const outcomes = yield* inOneBatch(batches, yield* bookingCreated(booking(flightId, ["10A"])), [
          yield* bookingCreated(booking(flightId, ["1A", "1C", "2A"], "business")),
          yield* bookingCreated(unknownCabin),
          yield* bookingCreated(booking(flightId, ["2C", "2A"], "business")), // 2 asked, 1 left
          yield* bookingCreated(booking(flightId, ["11A"])),
        ])
        expect(outcomes.map(outcomeOf)).toEqual(["applied", "UnknownCabin", "AvailabilityExceeded", "applied"])
        expect(yield* Ref.get((yield* StoreControl).saves)).toEqual([1, 2])
        expect(yield* availableOf(flightId)).toBe(58)
        expect(yield* availableOf(flightId, "business")).toBe(1)
        const repository = yield* FlightRepository
        const found = Option.getOrThrow(yield* repository.getWithBookings(flightId, [unknownCabin.bookingId]))
        expect(found.entries.size).toBe(0)
      }))

    it("a write that fails fails every handler of its batch with that error, and nothing of the batch is stored", () =>
      Effect.gen(function* () {
        const flightId = yield* scheduled
        yield* drain
        const control = yield* StoreControl
        const batches = yield* BookingBatches.make()
        yield* batches.apply(yield* bookingCreated(booking(flightId, ["10A"])))
        yield* drain
        const bookings = [booking(flightId, ["11A"]), booking(flightId, ["12A", "12B"]), booking(flightId, ["13A"])]
        const events = yield* Effect.forEach(bookings, bookingCreated)
        yield* Ref.set(control.failing, true)
        const outcomes = yield* Effect.forEach(events, (event) => Effect.flip(batches.apply(event)), { concurrency: "unbounded" })
        expect(outcomes.map((error) => error._tag)).toEqual(["FlightStoreError", "FlightStoreError", "FlightStoreError"])
        expect(yield* availableOf(flightId)).toBe(59)
        const repository = yield* FlightRepository
        const found = Option.getOrThrow(yield* repository.getWithBookings(flightId, bookings.map((b) => b.bookingId as BookingId)))
        expect(found.entries.size).toBe(0)
        expect(yield* drain).toEqual([])
        // The bus retries each message: applied once.
        yield* Ref.set(control.failing, false)
        expect(yield* Effect.forEach(events, batches.apply, { concurrency: "unbounded" })).toEqual([true, true, true])
        expect(yield* availableOf(flightId)).toBe(55)
      }))

    it("one batcher per flight at a time, even when its handlers are preempted after a few steps (as under load): its writes never overlap", () =>
      Effect.gen(function* () {
        const control = yield* StoreControl
        // Batchers retire at once, so that each burst starts them again.
        const batches = yield* BookingBatches.make({ idle: "1 millis", linger: "0 millis" })
        for (let round = 0; round < 4; round++) {
          const flights = [yield* scheduled, yield* scheduled]
          const events = yield* Effect.forEach(Array.from({ length: 32 }, (_, index) => index), (index) =>
            bookingCreated(booking(flights[index % 2]!, [`${10 + Math.floor(index / 6)}${"ABCDEF"[index % 6]}`])))
          // As the consumer's handlers at its prefetch of 64, each run out of its budget of steps at another point.
          yield* Effect.forEach(events, (event, index) => Effect.withMaxOpsBeforeYield(batches.apply(event), 50 + (index % 40)), {
            concurrency: "unbounded",
            discard: true,
          })
          for (const flightId of flights) expect(yield* availableOf(flightId)).toBe(44)
          yield* Effect.sleep("10 millis")
        }
        expect(yield* Ref.get(control.busiest)).toBe(1)
      }))

    it("events of two flights proceed independently: a flight whose write is held does not hold up another", () =>
      Effect.gen(function* () {
        const held = yield* scheduled
        const free = yield* scheduled
        const control = yield* StoreControl
        const batches = yield* BookingBatches.make()
        const open = yield* Deferred.make<void>()
        yield* Ref.set(control.gate, Option.some({ flightId: held, open }))
        const waiting = yield* Effect.fork(batches.apply(yield* bookingCreated(booking(held, ["10A"]))))
        expect(yield* batches.apply(yield* bookingCreated(booking(free, ["10A"])))).toBe(true)
        expect(yield* availableOf(free)).toBe(59)
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        expect(yield* availableOf(held)).toBe(60)
        yield* Deferred.succeed(open, undefined)
        expect(yield* Fiber.join(waiting)).toBe(true)
        expect(yield* availableOf(held)).toBe(59)
      }))
  })

for (const environment of environments) suite(environment)
