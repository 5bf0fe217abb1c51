/**
 * Searching flights over HTTP: by route, UTC day, cabin and free seats, in order of departure, a
 * page at a time; cancelled and boarding flights are not offered.
 */
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { type Answer, business, economy, first, type FlightJson, flightOf, lhrJfk, type PageJson, pageOf } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

describe("GET /api/flights (search)", () => {
  apiTest("finds only flights from the given origin", (api) =>
    Effect.gen(function* () {
      const fromLhr = yield* api.schedule({ flightNumber: "BA117" })
      yield* api.schedule({ flightNumber: "BA1511", origin: "LGW" })
      const answer = yield* api.search({ ...lhrJfk, date: "2026-12-01" })
      expect(answer.status).toBe(200)
      expect(pageOf(answer)).toEqual({ items: [fromLhr], nextCursor: null })
    }))

  apiTest("finds only flights to the given destination", (api) =>
    Effect.gen(function* () {
      const toJfk = yield* api.schedule({ flightNumber: "BA117" })
      yield* api.schedule({ flightNumber: "BA175", destination: "EWR" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([toJfk.id])
      expect(yield* api.found({ origin: "LHR", destination: "BOS", date: "2026-12-01" })).toEqual([])
    }))

  apiTest("finds flights by their UTC departure day: 23:30Z on the 1st is on the 1st, not the 2nd", (api) =>
    Effect.gen(function* () {
      const late = yield* api.schedule({ departureAt: "2026-12-01T23:30:00.000Z", arrivalAt: "2026-12-02T07:30:00.000Z" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([late.id])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-02" })).toEqual([])
      expect(yield* api.found({ ...lhrJfk, date: "2026-11-30" })).toEqual([])
    }))

  apiTest("finds only flights with the requested cabin: a flight without first class is not found for cabin=first", (api) =>
    Effect.gen(function* () {
      yield* api.schedule({ flightNumber: "BA117" })
      const withFirst = yield* api.schedule({ flightNumber: "BA175", cabins: [first(), economy()] })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first" })).toEqual([withFirst.id])
    }))

  apiTest("finds only flights with at least `passengers` seats available in the cabin", (api) =>
    Effect.gen(function* () {
      const withFirst = yield* api.schedule({ cabins: [first(), economy()] }) // 2 first-class seats
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "2" })).toEqual([withFirst.id])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "3" })).toEqual([])
      yield* api.holdSeats(withFirst.id, "first", ["1A"])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "2" })).toEqual([])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "1" })).toEqual([withFirst.id])
    }))

  apiTest("the cabin defaults to economy", (api) =>
    Effect.gen(function* () {
      yield* api.schedule({ flightNumber: "BA117", cabins: [business()] })
      const withEconomy = yield* api.schedule({ flightNumber: "BA175" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([withEconomy.id])
    }))

  apiTest("passengers defaults to 1: a cabin with one seat left is found, a sold-out one is not", (api) =>
    Effect.gen(function* () {
      const oneSeat = economy({ rows: { from: 10, to: 10 }, seatLetters: "A" })
      const soldOut = yield* api.schedule({ flightNumber: "BA117", departureAt: "2026-12-01T09:00:00.000Z", cabins: [oneSeat] })
      const oneLeft = yield* api.schedule({ flightNumber: "BA175", cabins: [oneSeat] })
      yield* api.holdSeats(soldOut.id, "economy", ["10A"])
      expect((flightOf(yield* api.get(soldOut.id)).cabins[0])?.availableSeats).toBe(0)
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([oneLeft.id])
    }))

  apiTest("answers flights ordered by departure", (api) =>
    Effect.gen(function* () {
      const noon = yield* api.schedule({ flightNumber: "BA1", departureAt: "2026-12-01T12:00:00.000Z", arrivalAt: "2026-12-01T20:00:00.000Z" })
      const morning = yield* api.schedule({ flightNumber: "BA2", departureAt: "2026-12-01T06:00:00.000Z", arrivalAt: "2026-12-01T14:00:00.000Z" })
      const evening = yield* api.schedule({ flightNumber: "BA3", departureAt: "2026-12-01T21:00:00.000Z", arrivalAt: "2026-12-02T05:00:00.000Z" })
      const midnight = yield* api.schedule({ flightNumber: "BA4", departureAt: "2026-12-01T00:00:00.000Z", arrivalAt: "2026-12-01T08:00:00.000Z" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([midnight.id, morning.id, noon.id, evening.id])
    }))

  apiTest("with limit=2 over 5 flights, following nextCursor yields all 5 once in order; the last page's nextCursor is null", (api) =>
    Effect.gen(function* () {
      const hours = ["14", "08", "20", "11", "17"]
      const flights: Array<FlightJson> = []
      for (const [index, hour] of hours.entries()) {
        flights.push(yield* api.schedule({
          flightNumber: `BA${100 + index}`,
          departureAt: `2026-12-01T${hour}:00:00.000Z`,
          arrivalAt: `2026-12-02T0${index}:00:00.000Z`,
        }))
      }
      const expected = flights.toSorted((a, b) => a.departureAt.localeCompare(b.departureAt)).map((flight) => flight.id)
      const pages: Array<PageJson> = []
      let cursor: string | null | undefined = undefined
      while (cursor !== null && pages.length < 10) {
        const answer: Answer = yield* api.search({ ...lhrJfk, date: "2026-12-01", limit: "2", ...(cursor === undefined ? {} : { cursor }) })
        expect(answer.status).toBe(200)
        const page = pageOf(answer)
        pages.push(page)
        cursor = page.nextCursor
      }
      expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1])
      expect(pages.slice(0, -1).every((page) => typeof page.nextCursor === "string")).toBe(true)
      expect(pages.at(-1)?.nextCursor).toBeNull()
      expect(pages.flatMap((page) => page.items.map((flight) => flight.id))).toEqual(expected)
    }))

  apiTest("pagination over flights departing at the same time yields each once", (api) =>
    Effect.gen(function* () {
      const ids: Array<string> = []
      for (const number of ["BA1", "BA2", "BA3", "BA4", "BA5"]) ids.push((yield* api.schedule({ flightNumber: number })).id)
      const seen: Array<string> = []
      let cursor: string | null | undefined = undefined
      for (let pages = 0; cursor !== null && pages < 10; pages++) {
        const answer: Answer = yield* api.search({ ...lhrJfk, date: "2026-12-01", limit: "2", ...(cursor === undefined ? {} : { cursor }) })
        expect(answer.status).toBe(200)
        seen.push(...pageOf(answer).items.map((flight) => flight.id))
        cursor = pageOf(answer).nextCursor
      }
      expect(seen).toHaveLength(5)
      expect(seen.toSorted()).toEqual(ids.toSorted())
    }))

  apiTest("a page that ends exactly at the last flight has nextCursor null", (api) =>
    Effect.gen(function* () {
      yield* api.schedule({ flightNumber: "BA1" })
      yield* api.schedule({ flightNumber: "BA2" })
      const answer = yield* api.search({ ...lhrJfk, date: "2026-12-01", limit: "2" })
      expect(pageOf(answer).items).toHaveLength(2)
      expect(pageOf(answer).nextCursor).toBeNull()
    }))

  apiTest("cancelled flights are not returned", (api) =>
    Effect.gen(function* () {
      const cancelled = yield* api.schedule({ flightNumber: "BA117" })
      const kept = yield* api.schedule({ flightNumber: "BA175" })
      yield* api.moveTo(cancelled.id, { status: "cancelled", reason: "crew shortage" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([kept.id])
    }))

  apiTest("flights that are boarding are not returned", (api) =>
    Effect.gen(function* () {
      const boarding = yield* api.schedule()
      yield* api.moveTo(boarding.id, { status: "boarding" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
    }))
})
