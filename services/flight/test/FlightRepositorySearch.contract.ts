/** FlightRepository contract: the travellers' search and the staff's departures, filtered and in order of departure, a page at a time. */
import { type FlightId, IataCode } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Effect, Either, Option } from "effect"
import * as Flight from "../src/domain/Flight.ts"
import { type DeparturesCriteria, FlightRepository } from "../src/domain/FlightRepository.ts"
import { type ContractTest, criteria, flightOf, now } from "./support/RepositoryContract.ts"

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

export const searchContract = (it: ContractTest) => {
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
}
