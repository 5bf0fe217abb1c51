/**
 * The contract every adapter of FlightRepository (with its outbox) passes: the in-memory one always,
 * the MongoDB one against a real server.
 */
import { Outbox } from "@flight/bus"
import { BookingId, Catalogue, FlightId, IataCode } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { DateTime, Duration, Effect, Either, type Layer, Option, Schema } from "effect"
import * as FlightCommands from "../src/application/FlightCommands.ts"
import * as Flight from "../src/domain/Flight.ts"
import { type DeparturesCriteria, FlightRepository, type Outgoing, type SearchCriteria } from "../src/domain/FlightRepository.ts"
import { scheduleOf } from "./support/Fixtures.ts"

export type RepositoryLayer = Layer.Layer<FlightRepository | Outbox.Store, unknown>

const now = DateTime.unsafeMake("2026-11-26T12:00:00Z")

const newId = () => FlightId.make(Bun.randomUUIDv7())

export const flightOf = (overrides: Partial<Schema.Schema.Encoded<typeof Flight.FlightSchedule>> = {}) =>
  Flight.schedule(newId(), scheduleOf(overrides), now)

const scheduledEvent = (flight: Flight.Flight) =>
  Effect.map(
    FlightCommands.scheduledEvent(flight),
    (message): Outgoing => ({ message, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }),
  )

const criteria = (overrides: Partial<SearchCriteria> = {}): SearchCriteria => ({
  origin: "LHR" as SearchCriteria["origin"],
  destination: "JFK" as SearchCriteria["destination"],
  date: "2026-12-01" as Flight.Day,
  cabin: "economy",
  passengers: 1,
  limit: 20,
  after: Option.none(),
  ...overrides,
})

const departures = (overrides: Partial<DeparturesCriteria> = {}): DeparturesCriteria => ({
  date: "2026-12-01" as Flight.Day,
  origin: Option.none(),
  destination: Option.none(),
  status: Option.none(),
  limit: 100,
  after: Option.none(),
  ...overrides,
})

const byDeparture = (flights: ReadonlyArray<Flight.Flight>) =>
  flights
    .toSorted((a, b) => DateTime.toEpochMillis(a.departureAt) - DateTime.toEpochMillis(b.departureAt) || (a.id < b.id ? -1 : 1))
    .map((flight) => flight.id)

const lease = Duration.seconds(30)

export const contract = (name: string, layer: () => RepositoryLayer) => {
  const it = (title: string, body: () => Effect.Effect<void, unknown, FlightRepository | Outbox.Store>) =>
    EffectTest.effect(title, () => body(), { layer: layer(), timeout: 30_000 })

  describe(`FlightRepository contract: ${name}`, () => {
    it("a flight inserted is read back as it was written", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const read = Option.getOrThrow(yield* repository.get(flight.id))
        expect(Schema.encodeSync(Flight.Flight)(read)).toEqual(Schema.encodeSync(Flight.Flight)(flight))
        expect(Option.isNone(yield* repository.get(newId()))).toBe(true)
      }))

    it("one flight per number and scheduled UTC day: the second is refused, another day is accepted", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        yield* repository.insert(flightOf(), [], Option.none())
        const again = yield* Effect.either(repository.insert(flightOf({ departureAt: "2026-12-01T20:00:00Z", arrivalAt: "2026-12-02T04:00:00Z" }), [], Option.none()))
        expect(Either.isLeft(again) && again.left._tag).toBe("FlightAlreadyScheduled")
        yield* repository.insert(flightOf({ departureAt: "2026-12-02T10:00:00Z", arrivalAt: "2026-12-02T18:00:00Z" }), [], Option.none())
        yield* repository.insert(flightOf({ flightNumber: "BA118" }), [], Option.none())
      }))

    it("an Idempotency-Key is recorded with the flight; a second insert under the key is refused as taken", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.some({ key: "key-1", fingerprint: "f1" }))
        const recorded = Option.getOrThrow(yield* repository.creationByKey("key-1"))
        expect(recorded.fingerprint).toBe("f1")
        expect(recorded.flight.id).toBe(flight.id)
        const other = yield* Effect.either(
          repository.insert(flightOf({ flightNumber: "BA999" }), [], Option.some({ key: "key-1", fingerprint: "f2" })),
        )
        expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyTaken")
        expect(Option.isNone(yield* repository.creationByKey("key-2"))).toBe(true)
        // The key names the flight as first created, whatever happens to it afterwards.
        yield* repository.save(Flight.updated(flight, { status: "cancelled" }, now), [], [])
        expect(Option.getOrThrow(yield* repository.creationByKey("key-1")).flight.status).toBe("scheduled")
      }))

    it("a write names the version it read: a stale one fails with VersionConflict and changes nothing", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const delayed = Flight.updated(flight, { status: "delayed" }, now)
        yield* repository.save(delayed, [], [])
        const stale = yield* Effect.either(repository.save(Flight.updated(flight, { status: "cancelled" }, now), [], []))
        expect(Either.isLeft(stale) && stale.left._tag).toBe("VersionConflict")
        const read = Option.getOrThrow(yield* repository.get(flight.id))
        expect(read.status).toBe("delayed")
        expect(read.version).toBe(2)
      }))

    it("of concurrent writes from the same version exactly one succeeds", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const results = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, index) => Flight.updated(flight, { statusReason: `writer ${index}` }, now)),
          (next) => Effect.either(repository.save(next, [], [])),
          { concurrency: "unbounded" },
        )
        expect(results.filter(Either.isRight)).toHaveLength(1)
        expect(Option.getOrThrow(yield* repository.get(flight.id)).version).toBe(2)
      }))

    it("of concurrent inserts of one flight number and day exactly one is stored", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const results = yield* Effect.forEach(
          Array.from({ length: 10 }, () => flightOf()),
          (flight) => Effect.either(repository.insert(flight, [], Option.none())),
          { concurrency: "unbounded" },
        )
        expect(results.filter(Either.isRight)).toHaveLength(1)
        expect((yield* repository.search(criteria())).items).toHaveLength(1)
      }))

    it("the ledger entry of a booking is written with the flight and read back beside it", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        const bookingId = BookingId.make(Bun.randomUUIDv7())
        yield* repository.insert(flight, [], Option.none())
        expect(Option.getOrThrow(yield* repository.getWithBookings(flight.id, [bookingId])).entries.size).toBe(0)
        const next = Flight.updated(flight, {
          availability: [{ ...flight.availability[0]!, available: 7 }, flight.availability[1]!],
        }, now)
        yield* repository.save(next, [{ id: bookingId, entry: { state: "held", cabin: "economy", seats: 2 } }], [])
        const found = Option.getOrThrow(yield* repository.getWithBookings(flight.id, [bookingId]))
        expect(found.entries.get(bookingId)).toEqual({ state: "held", cabin: "economy", seats: 2 })
        expect(found.flight.availability[0]!.available).toBe(7)
        expect(Option.isNone(yield* repository.getWithBookings(newId(), [bookingId]))).toBe(true)
      }))

    it("a batch's ledger entries are written in one save and read back together; bookings never seen are absent", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const ids = Array.from({ length: 5 }, () => BookingId.make(Bun.randomUUIDv7()))
        const unseen = BookingId.make(Bun.randomUUIDv7())
        const next = Flight.updated(flight, {
          availability: [{ ...flight.availability[0]!, available: flight.availability[0]!.capacity - 5 }, flight.availability[1]!],
        }, now)
        yield* repository.save(next, ids.map((id) => ({ id, entry: { state: "held" as const, cabin: "economy" as const, seats: 1 } })), [])
        const found = Option.getOrThrow(yield* repository.getWithBookings(flight.id, [...ids, unseen]))
        expect([...found.entries.keys()].toSorted()).toEqual(ids.toSorted())
        expect(found.entries.has(unseen)).toBe(false)
        expect(found.flight.version).toBe(next.version)
      }))

    it("search: the route's bookable flights of that UTC day with the seats, by departure, a page at a time", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const times = ["2026-12-01T23:30:00Z", "2026-12-01T06:00:00Z", "2026-12-01T12:00:00Z", "2026-12-01T12:00:00Z", "2026-12-01T00:00:00Z"]
        const flights = times.map((departureAt, index) =>
          flightOf({ flightNumber: `BA${100 + index}`, departureAt, arrivalAt: "2026-12-02T08:00:00Z" })
        )
        for (const flight of flights) yield* repository.insert(flight, [], Option.none())
        // Not found: another route, another day, cancelled, and a flight without the seats.
        yield* repository.insert(flightOf({ flightNumber: "BA200", destination: "BOS" }), [], Option.none())
        yield* repository.insert(flightOf({ flightNumber: "BA201", departureAt: "2026-12-02T00:00:00Z", arrivalAt: "2026-12-02T08:00:00Z" }), [], Option.none())
        const cancelled = flightOf({ flightNumber: "BA202" })
        yield* repository.insert(cancelled, [], Option.none())
        yield* repository.save(Flight.updated(cancelled, { status: "cancelled" }, now), [], [])
        const full = flightOf({ flightNumber: "BA203" })
        yield* repository.insert(full, [], Option.none())
        yield* repository.save(Flight.updated(full, { availability: [{ ...full.availability[0]!, available: 1 }, full.availability[1]!] }, now), [], [])

        const expected = flights
          .toSorted((a, b) => DateTime.toEpochMillis(a.departureAt) - DateTime.toEpochMillis(b.departureAt) || (a.id < b.id ? -1 : 1))
          .map((flight) => flight.id)
        const all = yield* repository.search(criteria({ passengers: 2 }))
        expect(all.items.map((flight) => flight.id)).toEqual(expected)
        expect(Option.isNone(all.next)).toBe(true)

        const seen: Array<string> = []
        let after = Option.none<{ readonly departureAt: DateTime.Utc; readonly id: FlightId }>()
        for (let page = 0; page < 10; page++) {
          const result = yield* repository.search(criteria({ passengers: 2, limit: 2, after }))
          seen.push(...result.items.map((flight) => flight.id))
          if (Option.isNone(result.next)) break
          after = result.next
        }
        expect(seen).toEqual(expected)

        expect((yield* repository.search(criteria({ passengers: 1 }))).items.map((flight) => flight.id)).toContain(full.id)
        expect((yield* repository.search(criteria({ cabin: "first" }))).items).toEqual([])
        expect((yield* repository.search(criteria({ cabin: "business", passengers: 2 }))).items).toHaveLength(6)
        expect((yield* repository.search(criteria({ cabin: "business", passengers: 5 }))).items).toEqual([])
      }))

    it("search finds a delayed flight on the day of its new departure", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const delayed = Either.getOrThrow(Flight.changeStatus(flight, {
          status: "delayed",
          reason: Option.some("weather"),
          departureAt: Option.some(DateTime.unsafeMake("2026-12-02T02:00:00Z")),
        }, now))
        yield* repository.save(delayed, [], [])
        expect((yield* repository.search(criteria())).items).toEqual([])
        const found = yield* repository.search(criteria({ date: "2026-12-02" as Flight.Day }))
        expect(found.items.map((item) => [item.id, item.status])).toEqual([[flight.id, "delayed"]])
      }))

    it("departures: every flight of the UTC day whatever its status or seats, by departure, other days left out", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const onSale = flightOf({ flightNumber: "BA100", departureAt: "2026-12-01T12:00:00Z", arrivalAt: "2026-12-01T20:00:00Z" })
        const cancelled = flightOf({ flightNumber: "BA101", departureAt: "2026-12-01T06:00:00Z", arrivalAt: "2026-12-01T14:00:00Z" })
        const full = flightOf({ flightNumber: "BA102", departureAt: "2026-12-01T23:30:00Z", arrivalAt: "2026-12-02T07:30:00Z" })
        const otherRoute = flightOf({ flightNumber: "BA103", destination: "BOS", departureAt: "2026-12-01T12:00:00Z", arrivalAt: "2026-12-01T19:00:00Z" })
        const otherOrigin = flightOf({ flightNumber: "AF104", origin: "CDG", departureAt: "2026-12-01T00:00:00Z", arrivalAt: "2026-12-01T08:00:00Z" })
        const nextDay = flightOf({ flightNumber: "BA105", departureAt: "2026-12-02T00:00:00Z", arrivalAt: "2026-12-02T08:00:00Z" })
        const dayBefore = flightOf({ flightNumber: "BA106", departureAt: "2026-11-30T23:59:00Z", arrivalAt: "2026-12-01T08:00:00Z" })
        for (const flight of [onSale, cancelled, full, otherRoute, otherOrigin, nextDay, dayBefore]) yield* repository.insert(flight, [], Option.none())
        yield* repository.save(Flight.updated(cancelled, { status: "cancelled" }, now), [], [])
        yield* repository.save(
          Flight.updated(full, { availability: [{ ...full.availability[0]!, available: 0 }, { ...full.availability[1]!, available: 0 }] }, now),
          [],
          [],
        )

        const day = yield* repository.departures(departures())
        expect(day.items.map((flight) => flight.id)).toEqual(byDeparture([onSale, cancelled, full, otherRoute, otherOrigin]))
        expect(day.items.find((flight) => flight.id === cancelled.id)?.status).toBe("cancelled")
        expect(Option.isNone(day.next)).toBe(true)

        const iata = (code: string) => Option.some(IataCode.make(code))
        const ids = (criteria: Partial<DeparturesCriteria>) =>
          Effect.map(repository.departures(departures(criteria)), (page) => page.items.map((flight) => flight.id))
        expect(yield* ids({ origin: iata("LHR") })).toEqual(byDeparture([onSale, cancelled, full, otherRoute]))
        expect(yield* ids({ destination: iata("JFK") })).toEqual(byDeparture([onSale, cancelled, full, otherOrigin]))
        expect(yield* ids({ origin: iata("LHR"), destination: iata("JFK") })).toEqual(byDeparture([onSale, cancelled, full]))
        expect(yield* ids({ origin: iata("JFK") })).toEqual([])
        expect(yield* ids({ status: Option.some("cancelled") })).toEqual([cancelled.id])
        expect(yield* ids({ status: Option.some("scheduled"), destination: iata("JFK") })).toEqual(byDeparture([onSale, full, otherOrigin]))
        expect(yield* ids({ status: Option.some("departed") })).toEqual([])
        expect(yield* ids({ date: "2026-12-02" as Flight.Day })).toEqual([nextDay.id])
      }))

    it("departures: a page at a time, every flight once, equal departures ordered by id", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const times = ["2026-12-01T12:00:00Z", "2026-12-01T06:00:00Z", "2026-12-01T12:00:00Z", "2026-12-01T12:00:00Z", "2026-12-01T00:00:00Z", "2026-12-01T23:30:00Z", "2026-12-01T12:00:00Z"]
        const flights = times.map((departureAt, index) =>
          flightOf({ flightNumber: `BA${400 + index}`, destination: index % 2 === 0 ? "JFK" : "BOS", departureAt, arrivalAt: "2026-12-02T08:00:00Z" })
        )
        for (const flight of flights) yield* repository.insert(flight, [], Option.none())
        yield* repository.save(Flight.updated(flights[2]!, { status: "cancelled" }, now), [], [])

        for (const limit of [1, 2, 3, 7]) {
          const seen: Array<string> = []
          let after = Option.none<{ readonly departureAt: DateTime.Utc; readonly id: FlightId }>()
          for (let page = 0; page < 20; page++) {
            const result = yield* repository.departures(departures({ limit, after }))
            expect(result.items.length).toBeLessThanOrEqual(limit)
            seen.push(...result.items.map((flight) => flight.id))
            if (Option.isNone(result.next)) break
            after = result.next
          }
          expect(seen).toEqual(byDeparture(flights))
        }
      }))

    it("outbox: events written with a change are claimed in order, leased to one relay, and gone once completed", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const outbox = yield* Outbox.Store
        const flight = flightOf()
        const first = yield* scheduledEvent(flight)
        yield* repository.insert(flight, [first], Option.none())
        const second = yield* scheduledEvent(flight)
        const third = yield* scheduledEvent(flight)
        yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [second, third])
        expect((yield* outbox.stats).pending).toBe(3)

        const claimed = yield* outbox.claim({ owner: "relay-a", limit: 10, lease })
        expect(claimed.map((entry) => entry.id)).toEqual([first.message.id, second.message.id, third.message.id])
        expect(claimed[0]!.traceparent).toBe(first.traceparent)
        expect(Catalogue.encodeJson(claimed[0]!.message)).toBe(Catalogue.encodeJson(first.message))
        // Leased: another relay finds nothing until the lease runs out.
        expect(yield* outbox.claim({ owner: "relay-b", limit: 10, lease })).toEqual([])

        yield* outbox.complete("relay-a", [first.message.id, second.message.id])
        expect((yield* outbox.stats).pending).toBe(1)
        yield* outbox.release("relay-a", [third.message.id])
        const again = yield* outbox.claim({ owner: "relay-b", limit: 10, lease })
        expect(again.map((entry) => entry.id)).toEqual([third.message.id])
        yield* outbox.complete("relay-b", [third.message.id])
        expect(yield* outbox.stats).toEqual({ pending: 0, oldestAgeMillis: null })
        expect(yield* outbox.claim({ owner: "relay-a", limit: 10, lease })).toEqual([])
      }))

    it("outbox: a relay whose lease ran out loses its entries to another, and its late completion removes nothing", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const outbox = yield* Outbox.Store
        const flight = flightOf()
        const event = yield* scheduledEvent(flight)
        yield* repository.insert(flight, [event], Option.none())
        expect(yield* outbox.claim({ owner: "slow", limit: 10, lease: Duration.millis(1) })).toHaveLength(1)
        yield* Effect.sleep("20 millis")
        expect((yield* outbox.claim({ owner: "fast", limit: 10, lease })).map((entry) => entry.id)).toEqual([event.message.id])
        yield* outbox.complete("slow", [event.message.id])
        expect((yield* outbox.stats).pending).toBe(1)
        yield* outbox.complete("fast", [event.message.id])
        expect((yield* outbox.stats).pending).toBe(0)
      }))

    it("outbox: events written while a relay completes others are all kept", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const outbox = yield* Outbox.Store
        let flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        const written: Array<string> = []
        const published: Array<string> = []
        const writer = Effect.gen(function* () {
          for (let index = 0; index < 20; index++) {
            const event = yield* scheduledEvent(flight)
            const next = Flight.updated(flight, { statusReason: `change ${index}` }, now)
            yield* repository.save(next, [], [event])
            flight = next
            written.push(event.message.id)
          }
        })
        const relay = Effect.gen(function* () {
          for (let pass = 0; pass < 200 && published.length < 20; pass++) {
            const claimed = yield* outbox.claim({ owner: "relay", limit: 5, lease })
            yield* outbox.complete("relay", claimed.map((entry) => entry.id))
            published.push(...claimed.map((entry) => entry.id))
            if (claimed.length === 0) yield* Effect.sleep("5 millis")
          }
        })
        yield* Effect.all([writer, relay], { concurrency: 2 })
        expect(published).toEqual(written)
      }))

    it("outbox: the events of a write that lost its version race are never stored", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const outbox = yield* Outbox.Store
        const flight = flightOf()
        yield* repository.insert(flight, [], Option.none())
        yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [])
        const lost = yield* Effect.either(
          repository.save(Flight.updated(flight, { status: "cancelled" }, now), [], [yield* scheduledEvent(flight)]),
        )
        expect(Either.isLeft(lost)).toBe(true)
        expect((yield* outbox.stats).pending).toBe(0)
      }))

    it("outbox: a claim takes at most its limit, and the rest on the next pass", () =>
      Effect.gen(function* () {
        const repository = yield* FlightRepository
        const outbox = yield* Outbox.Store
        const ids: Array<string> = []
        for (let index = 0; index < 5; index++) {
          const flight = flightOf({ flightNumber: `BA${300 + index}` })
          const event = yield* scheduledEvent(flight)
          ids.push(event.message.id)
          yield* repository.insert(flight, [event], Option.none())
        }
        const first = yield* outbox.claim({ owner: "relay", limit: 2, lease })
        expect(first).toHaveLength(2)
        yield* outbox.complete("relay", first.map((entry) => entry.id))
        const rest = yield* outbox.claim({ owner: "relay", limit: 10, lease })
        yield* outbox.complete("relay", rest.map((entry) => entry.id))
        expect([...first, ...rest].map((entry) => entry.id).toSorted()).toEqual(ids.toSorted())
        expect((yield* outbox.stats).pending).toBe(0)
      }))
  })
}
