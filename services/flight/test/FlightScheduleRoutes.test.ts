/**
 * Scheduling a flight over HTTP: what `POST /api/flights` answers (the flight, every seat available,
 * times in UTC), and one flight per number and UTC day.
 */
import { HttpAssertions, SampleFlight } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { business, economy, flightOf, isoUtc, scheduleBody, uuidV7 } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectProblem } = HttpAssertions

describe("POST /api/flights", () => {
  apiTest("answers 201 with the flight: a UUID v7 id, status scheduled, every seat of each cabin available, times in ISO UTC", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post(scheduleBody())
      expect(answer.status).toBe(201)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      const flight = flightOf(answer)
      expect(flight.id).toMatch(uuidV7)
      expect(flight).toMatchObject({
        ...SampleFlight.ba117,
        scheduledDepartureAt: SampleFlight.ba117.departureAt,
        aircraft: "Boeing 777-300ER",
        status: "scheduled",
        statusReason: null,
      })
      expect(flight.cabins as ReadonlyArray<unknown>).toEqual([
        { ...economy(), capacity: 30 * 6, availableSeats: 30 * 6 },
        { ...business(), capacity: 5 * 4, availableSeats: 5 * 4 },
      ])
      for (const time of [flight.departureAt, flight.arrivalAt, flight.scheduledDepartureAt, flight.createdAt, flight.updatedAt]) {
        expect(time).toMatch(isoUtc)
      }
    }))

  apiTest("answers times given with an offset in UTC", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule({ departureAt: "2026-12-01T10:00:00+01:00", arrivalAt: "2026-12-01T18:30-05:00" })
      expect(flight.departureAt).toBe("2026-12-01T09:00:00.000Z")
      expect(flight.arrivalAt).toBe("2026-12-01T23:30:00.000Z")
    }))

  describe("one flight per number and UTC day", () => {
    apiTest("the same flight number on the same UTC day is a 409 flight-already-scheduled", (api) =>
      Effect.gen(function* () {
        yield* api.schedule({ departureAt: "2026-12-01T00:30:00.000Z", arrivalAt: "2026-12-01T08:30:00.000Z" })
        const answer = yield* api.post(scheduleBody({ departureAt: "2026-12-01T23:30:00.000Z", arrivalAt: "2026-12-02T07:30:00.000Z" }))
        expectProblem(answer, 409, "flight-already-scheduled")
      }))

    apiTest("the same flight number on another UTC day is a 201", (api) =>
      Effect.gen(function* () {
        const one = yield* api.schedule({ departureAt: "2026-12-01T23:30:00.000Z", arrivalAt: "2026-12-02T07:30:00.000Z" })
        const answer = yield* api.post(scheduleBody({ departureAt: "2026-12-02T00:30:00.000Z", arrivalAt: "2026-12-02T08:30:00.000Z" }))
        expect(answer.status).toBe(201)
        expect(flightOf(answer).id).not.toBe(one.id)
      }))
  })
})
