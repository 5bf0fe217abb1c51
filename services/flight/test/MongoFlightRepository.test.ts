import { Outbox } from "@flight/bus"
import { OutboxLeases } from "@flight/bus/testing"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { BookingId, Catalogue } from "@flight/contracts"
import { Context, Duration, Effect, Layer, Option, Redacted, Tracer } from "effect"
import type { Db } from "mongodb"
import * as FlightCommands from "../src/application/FlightCommands.ts"
import * as Flight from "../src/domain/Flight.ts"
import { FlightRepository, type FlightStoreError } from "../src/domain/FlightRepository.ts"
import * as MongoFlightRepository from "../src/infrastructure/MongoFlightRepository.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"
import { contract, flightOf } from "./FlightRepository.contract.ts"
import { isolated } from "./support/MongoIsolated.ts"

RealServer.describeWith("MONGODB_URL", "MongoDB flight repository", (url) => {
  contract("MongoDB", () => isolated(url))

  OutboxLeases.leases("MongoDB flight documents", () =>
    Effect.gen(function* () {
      const built = yield* Layer.build(isolated(url))
      const repository = Context.get(built, FlightRepository)
      return {
        store: Context.get(built, Outbox.Store),
        write: (count: number) =>
          Effect.gen(function* () {
            for (let index = 0; index < count; index++) {
              // One flight (one document) each, under numbers of their own.
              const flight = flightOf({ flightNumber: `BA${1000 + index}` })
              const message = yield* FlightCommands.scheduledEvent(flight)
              yield* repository.insert(flight, [{ message, traceparent: null }], Option.none())
            }
          }),
      }
    }))
})

RealServer.describeWith("MONGODB_URL", "MongoDB flight repository start", (url) => {
  EffectTest.effect("creates its indexes on an empty database and starts again on one that has them", () =>
    Effect.gen(function* () {
      const { client } = yield* MongoStore.MongoDatabase
      const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
      yield* Effect.gen(function* () {
        yield* MongoFlightRepository.make(db)
        yield* MongoFlightRepository.make(db)
        const names = (yield* Effect.promise(() => db.collection(MongoFlightRepository.collectionName).listIndexes().toArray()))
          .map((index) => index.name)
        expect(names.toSorted()).toEqual(["_id_", "departures", "flight_number_date", "idempotency_key", "outbox_pending", "search"])
      }).pipe(Effect.ensuring(Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore)))
    }).pipe(Effect.provide(MongoStore.layer(Redacted.make(Option.getOrThrow(MongoStore.parse(url)))))), { timeout: 30_000 })
})

RealServer.describeWith("MONGODB_URL", "MongoDB flight repository tracing", (url) => {
  EffectTest.effect("each store call is a client span naming the operation, under the caller's span", () =>
    Effect.gen(function* () {
      const base = yield* Effect.tracer
      const spans: Array<{ readonly name: string; readonly kind: string; readonly parent: string | null }> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          spans.push({ name, kind, parent: Option.match(parent, { onNone: () => null, onSome: (p) => p.spanId }) })
          return base.span(name, parent, context, links, startTime, kind, options)
        },
        context: (f, fiber) => base.context(f, fiber),
      })
      const flight = flightOf()
      const callerId = yield* Effect.gen(function* () {
        const repository = yield* FlightRepository
        yield* repository.insert(flight, [], Option.none())
        yield* repository.get(flight.id)
        return (yield* Effect.currentSpan).spanId
      }).pipe(Effect.withSpan("caller"), Effect.withTracer(recording))
      const store = spans.filter((span) => span.name.startsWith("mongodb "))
      expect(store.map((span) => span.name)).toContain("mongodb find")
      expect(store.every((span) => span.kind === "client" && span.parent === callerId)).toBe(true)
    }).pipe(Effect.provide(isolated(url))), { timeout: 30_000 })
})

RealServer.describeWith("MONGODB_URL", "MongoDB flight outbox with an entry this build cannot read", (url) => {
  EffectTest.effect("the entries before it go out in order; it and those after it stay pending, and its flight is left to other relays", () =>
    Effect.gen(function* () {
      const { client } = yield* MongoStore.MongoDatabase
      const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
      yield* Effect.gen(function* () {
        const { outbox, repository } = yield* MongoFlightRepository.make(db)
        const event = (flight: ReturnType<typeof flightOf>) =>
          Effect.map(FlightCommands.scheduledEvent(flight), (message) => ({ message, traceparent: null }))
        const poisoned = flightOf({ flightNumber: "BA1" })
        const [first, second, third] = [yield* event(poisoned), yield* event(poisoned), yield* event(poisoned)]
        yield* repository.insert(poisoned, [first!, second!, third!], Option.none())
        const healthy = flightOf({ flightNumber: "BA2" })
        const other = yield* event(healthy)
        yield* repository.insert(healthy, [other], Option.none())
        // A newer build's message: a version this build does not know.
        const flights = db.collection<{ _id: string; outbox: Array<{ body: string }> }>(MongoFlightRepository.collectionName)
        const stored = (yield* Effect.promise(() => flights.findOne({ _id: poisoned.id })))!
        const newer = stored.outbox.map((entry, index) => index === 1 ? { ...entry, body: entry.body.replace('"version":1', '"version":99') } : entry)
        yield* Effect.promise(() => flights.updateOne({ _id: poisoned.id }, { $set: { outbox: newer } }))

        const claimed = yield* outbox.claim({ owner: "relay", limit: 10, lease: Duration.seconds(30) })
        expect(claimed.map((entry) => entry.id).toSorted()).toEqual([first!.message.id, other.message.id].toSorted())
        yield* outbox.complete("relay", claimed.map((entry) => entry.id))
        expect((yield* outbox.stats).pending).toBe(2)

        // Its next entry is unreadable: the relay gives the flight back and leaves it alone.
        expect(yield* outbox.claim({ owner: "relay", limit: 10, lease: Duration.seconds(30) })).toEqual([])
        expect(yield* outbox.claim({ owner: "relay", limit: 10, lease: Duration.seconds(30) })).toEqual([])
        const lease = (yield* Effect.promise(() => flights.findOne({ _id: poisoned.id }, { projection: { outboxLease: 1 } })))
        expect((lease as { outboxLease: unknown } | null)?.outboxLease).toBeNull()
      }).pipe(Effect.ensuring(Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore)))
    }).pipe(Effect.provide(MongoStore.layer(Redacted.make(Option.getOrThrow(MongoStore.parse(url)))))), { timeout: 30_000 })
})

/** The adapter on a database of its own, with the database to look at what it stored. */
const onOwnDatabase = <A, E>(url: string, body: (db: Db, made: Effect.Effect.Success<ReturnType<typeof MongoFlightRepository.make>>) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const { client } = yield* MongoStore.MongoDatabase
    const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
    return yield* Effect.flatMap(MongoFlightRepository.make(db), (made) => body(db, made))
      .pipe(Effect.ensuring(Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore)))
  }).pipe(Effect.provide(MongoStore.layer(Redacted.make(Option.getOrThrow(MongoStore.parse(url))))))

RealServer.describeWith("MONGODB_URL", "MongoDB flight documents", (url) => {
  EffectTest.effect("a flight is stored as search and the indexes read it: times as dates, seats by cabin, its days, the ledger and outbox beside it", () =>
    onOwnDatabase(url, (db, { repository }) =>
      Effect.gen(function* () {
        const flight = flightOf()
        const event = yield* FlightCommands.scheduledEvent(flight)
        yield* repository.insert(flight, [{ message: event, traceparent: null }], Option.some({ key: "key-1", fingerprint: "f1" }))
        const bookingId = BookingId.make(Bun.randomUUIDv7())
        const next = Flight.updated(flight, { availability: [{ ...flight.availability[0]!, available: 58 }, flight.availability[1]!] }, flight.createdAt)
        yield* repository.save(next, [{ id: bookingId, entry: { state: "held", cabin: "economy", seats: 2 } }], [])
        const stored = (yield* Effect.promise(() => db.collection(MongoFlightRepository.collectionName).findOne({ _id: flight.id as never })))!
        expect(stored["departureAt"]).toEqual(new Date("2026-12-01T10:00:00Z"))
        expect(stored["scheduledDepartureAt"]).toEqual(new Date("2026-12-01T10:00:00Z"))
        expect(stored["arrivalAt"]).toEqual(new Date("2026-12-01T18:00:00Z"))
        expect(stored["updatedAt"]).toBeInstanceOf(Date)
        expect(stored["flightDate"]).toBe("2026-12-01")
        expect(stored["departureDay"]).toBe("2026-12-01")
        expect(stored["availability"]).toEqual({ economy: { capacity: 60, available: 58 }, business: { capacity: 4, available: 4 } })
        expect(stored["version"]).toBe(2)
        // One string an entry (decision 9): an object's field types would triple the document.
        expect(stored["bookings"]).toEqual({ [bookingId]: "held economy 2" })
        expect(stored["idempotencyKey"]).toBe("key-1")
        expect(JSON.parse(stored["creation"].flight).version).toBe(1)
        expect(stored["outbox"]).toHaveLength(1)
        expect(stored["outbox"][0]).toMatchObject({ id: event.id, type: "flight.scheduled", body: Catalogue.encodeJson(event), traceparent: null })
        expect(stored["outbox"][0].createdAt).toBeInstanceOf(Date)
        expect(stored["outboxPending"]).toBe(true)
      })), { timeout: 30_000 })

  EffectTest.effect("a stored flight this build cannot read fails as a store error naming the flight, not worth retrying", () =>
    onOwnDatabase(url, (db, { repository }) =>
      Effect.gen(function* () {
        const flights = db.collection<{ _id: string }>(MongoFlightRepository.collectionName)
        let numbers = 0
        const spoilt = (change: Record<string, unknown>, unset: Record<string, "">) =>
          Effect.gen(function* () {
            const flight = flightOf({ flightNumber: `BA${1000 + numbers++}` })
            yield* repository.insert(flight, [], Option.none())
            yield* Effect.promise(() => flights.updateOne({ _id: flight.id }, { $set: change, $unset: unset }))
            return flight.id
          })
        const failureOf = <A>(effect: Effect.Effect<A, FlightStoreError>) =>
          Effect.map(Effect.flip(effect), (error) => ({ tag: error._tag, operation: error.operation, transient: error.transient, reason: error.reason }))

        const badTime = yield* spoilt({ departureAt: "tomorrow" }, {})
        const noSeats = yield* spoilt({}, { "availability.business": "" })
        for (const id of [badTime, noSeats]) {
          const failure = yield* failureOf(repository.get(id))
          expect(failure).toMatchObject({ tag: "FlightStoreError", operation: "read", transient: false })
          expect(failure.reason).toStartWith(`stored flight ${id} is invalid: `)
        }
        expect((yield* failureOf(repository.get(badTime))).reason).toContain("departureAt")
        expect((yield* failureOf(repository.get(noSeats))).reason).toContain("business")

        const bookingId = BookingId.make(Bun.randomUUIDv7())
        const badEntry = yield* spoilt({ [`bookings.${bookingId}`]: { state: "lost", cabin: "economy", seats: 2 } }, {})
        const failure = yield* failureOf(repository.getWithBookings(badEntry, [bookingId]))
        expect(failure).toMatchObject({ tag: "FlightStoreError", operation: "read", transient: false })
        expect(failure.reason).toStartWith(`stored flight ${badEntry} is invalid: `)
        expect(Option.isSome(yield* repository.getWithBookings(badEntry, []))).toBe(true)

        for (const text of ["held economy", "held economy 0", "held coach 2", "held economy 2 extra"]) {
          const spoiltEntry = yield* spoilt({ [`bookings.${bookingId}`]: text }, {})
          const refused = yield* failureOf(repository.getWithBookings(spoiltEntry, [bookingId]))
          expect(refused).toMatchObject({ tag: "FlightStoreError", operation: "read", transient: false })
        }
      })), { timeout: 30_000 })

  EffectTest.effect("ledger entries an earlier build wrote as objects are read, and written back as strings when they change", () =>
    onOwnDatabase(url, (db, { repository }) =>
      Effect.gen(function* () {
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const [older, changing] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
        const flights = db.collection<{ _id: string; bookings?: unknown }>(MongoFlightRepository.collectionName)
        yield* Effect.promise(() =>
          flights.updateOne({ _id: flight.id }, {
            $set: {
              [`bookings.${older}`]: { state: "sold", cabin: "business", seats: 1 },
              [`bookings.${changing}`]: { state: "held", cabin: "economy", seats: 2 },
            },
          })
        )
        const read = Option.getOrThrow(yield* repository.getWithBookings(flight.id, [older, changing]))
        expect(read.entries.get(older)).toEqual({ state: "sold", cabin: "business", seats: 1 })
        expect(read.entries.get(changing)).toEqual({ state: "held", cabin: "economy", seats: 2 })
        yield* repository.save(Flight.updated(read.flight, {}, read.flight.updatedAt), [{
          id: changing,
          entry: { state: "sold", cabin: "economy", seats: 2 },
        }], [])
        const stored = (yield* Effect.promise(() => flights.findOne({ _id: flight.id })))!
        expect(stored["bookings"]).toEqual({ [older]: { state: "sold", cabin: "business", seats: 1 }, [changing]: "sold economy 2" })
      })), { timeout: 30_000 })
})
