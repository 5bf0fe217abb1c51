/**
 * The staff's departures over HTTP: every flight of a UTC day whatever its status or seats, filtered
 * and paged, and what the query refuses.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { type Answer, first, type FlightJson, lhrJfk, pageOf } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectValidation } = HttpAssertions

describe("GET /api/flights/departures", () => {
  /** The flight numbers and statuses listed (first page). */
  const listed = (answer: Answer) => {
    expect(answer.status).toBe(200)
    return pageOf(answer).items.map((flight) => [flight.flightNumber, flight.status])
  }

  apiTest("lists every flight of the UTC day by departure, cancelled and full ones too, with their status", (api) =>
    Effect.gen(function* () {
      const cancelled = yield* api.schedule({ flightNumber: "BA1", departureAt: "2026-12-01T06:00:00.000Z", arrivalAt: "2026-12-01T14:00:00.000Z" })
      yield* api.moveTo(cancelled.id, { status: "cancelled", reason: "crew shortage" })
      const full = yield* api.schedule({ flightNumber: "BA2", cabins: [first()], departureAt: "2026-12-01T08:00:00.000Z", arrivalAt: "2026-12-01T16:00:00.000Z" })
      yield* api.holdSeats(full.id, "first", ["1A", "1B"])
      yield* api.schedule({ flightNumber: "BA3", destination: "BOS", departureAt: "2026-12-01T12:00:00.000Z", arrivalAt: "2026-12-01T19:00:00.000Z" })
      yield* api.schedule({ flightNumber: "BA4", departureAt: "2026-12-02T12:00:00.000Z", arrivalAt: "2026-12-02T20:00:00.000Z" })
      const all = yield* api.departures({ date: "2026-12-01" })
      expect(listed(all)).toEqual([["BA1", "cancelled"], ["BA2", "scheduled"], ["BA3", "scheduled"]])
      expect(pageOf(all).items[1]!.cabins[0]!.availableSeats).toBe(0)
      expect(pageOf(all).nextCursor).toBeNull()
      // Search, for travellers, has neither the cancelled nor the full one.
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first" })).toEqual([])
      expect(listed(yield* api.departures({ date: "2026-12-01", ...lhrJfk }))).toEqual([["BA1", "cancelled"], ["BA2", "scheduled"]])
      expect(listed(yield* api.departures({ date: "2026-12-01", destination: "BOS" }))).toEqual([["BA3", "scheduled"]])
      expect(listed(yield* api.departures({ date: "2026-12-01", status: "cancelled" }))).toEqual([["BA1", "cancelled"]])
      expect(listed(yield* api.departures({ date: "2026-12-03" }))).toEqual([])
    }))

  apiTest("with limit=2 over 5 flights, following nextCursor yields all 5 once in order", (api) =>
    Effect.gen(function* () {
      const ids: Array<string> = []
      for (const [index, hour] of ["14", "08", "20", "08", "17"].entries()) {
        ids.push((yield* api.schedule({ flightNumber: `BA${100 + index}`, departureAt: `2026-12-01T${hour}:00:00.000Z`, arrivalAt: `2026-12-02T0${index}:00:00.000Z` })).id)
      }
      const seen: Array<FlightJson> = []
      let cursor: string | null | undefined = undefined
      for (let pages = 0; cursor !== null && pages < 10; pages++) {
        const answer: Answer = yield* api.departures({ date: "2026-12-01", limit: "2", ...(cursor === undefined ? {} : { cursor }) })
        expect(answer.status).toBe(200)
        seen.push(...pageOf(answer).items)
        cursor = pageOf(answer).nextCursor
      }
      expect(seen.map((flight) => flight.id).toSorted()).toEqual(ids.toSorted())
      expect(seen.map((flight) => flight.departureAt)).toEqual(seen.map((flight) => flight.departureAt).toSorted())
    }))

  apiTest("50 a page unless limit says otherwise", (api) =>
    Effect.gen(function* () {
      for (let index = 0; index < 51; index++) {
        yield* api.schedule({ flightNumber: `BA${100 + index}`, departureAt: `2026-12-01T${String(index % 24).padStart(2, "0")}:00:00.000Z`, arrivalAt: "2026-12-02T08:00:00.000Z" })
      }
      const page = pageOf(yield* api.departures({ date: "2026-12-01" }))
      expect(page.items).toHaveLength(50)
      expect(typeof page.nextCursor).toBe("string")
      expect(pageOf(yield* api.departures({ date: "2026-12-01", limit: "100" })).items).toHaveLength(51)
    }))

  describe("validation", () => {
    const cases: ReadonlyArray<readonly [string, Record<string, string>, ReadonlyArray<string>]> = [
      ["a missing date", {}, ["query.date"]],
      ["date 2026-02-30", { date: "2026-02-30" }, ["query.date"]],
      ["an unknown status", { date: "2026-12-01", status: "teleported" }, ["query.status"]],
      ["limit 0", { date: "2026-12-01", limit: "0" }, ["query.limit"]],
      ["limit 101", { date: "2026-12-01", limit: "101" }, ["query.limit"]],
      ["a garbage cursor", { date: "2026-12-01", cursor: "not-a-cursor" }, ["query.cursor"]],
      ["a bad origin", { date: "2026-12-01", origin: "lhr1" }, ["query.origin"]],
      ["an unknown parameter", { date: "2026-12-01", cabin: "economy" }, ["query.cabin"]],
      ["every bad parameter together", { date: "2026-02-30", status: "teleported", limit: "101", cursor: "x" }, ["query.date", "query.status", "query.limit", "query.cursor"]],
    ]
    for (const [what, query, paths] of cases) {
      apiTest(`${what} is a 400 at ${paths.join(", ")}`, (api) =>
        Effect.gen(function* () {
          expectValidation(yield* api.departures(query), paths)
        }))
    }
  })
})
