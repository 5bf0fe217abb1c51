/**
 * A flight's status over HTTP: the transitions `PATCH /api/flights/{id}/status` allows and refuses,
 * a reason, and a delay that moves the flight's times (and the day it is found on).
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { flightOf, type Json, lhrJfk, unknownId } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("PATCH /api/flights/{id}/status", () => {
  /** The body that moves a flight to a status; a delay to 12:00Z, or 13:00Z when already delayed. */
  const to = (status: string, from?: string): Json =>
    status === "delayed"
      ? { status, departureAt: from === "delayed" ? "2026-12-01T13:00:00.000Z" : "2026-12-01T12:00:00.000Z" }
      : { status }

  /** The path from scheduled to each status. */
  const pathTo: Record<string, ReadonlyArray<string>> = {
    scheduled: [],
    delayed: ["delayed"],
    boarding: ["boarding"],
    departed: ["boarding", "departed"],
    cancelled: ["cancelled"],
  }

  const allowed: ReadonlyArray<readonly [string, string]> = [
    ["scheduled", "delayed"],
    ["scheduled", "boarding"],
    ["scheduled", "cancelled"],
    ["delayed", "boarding"],
    ["delayed", "cancelled"],
    ["delayed", "delayed"],
    ["boarding", "departed"],
    ["departed", "arrived"],
  ]

  for (const [from, target] of allowed) {
    apiTest(`${from} -> ${target} answers 200 with status ${target}`, (api) =>
      Effect.gen(function* () {
        const flight = yield* api.schedule()
        let previous = "scheduled"
        for (const step of pathTo[from] ?? []) {
          yield* api.moveTo(flight.id, to(step, previous))
          previous = step
        }
        const answer = yield* api.changeStatus(flight.id, to(target, from))
        expect(answer.status).toBe(200)
        expect(flightOf(answer)).toMatchObject({ id: flight.id, status: target })
        expect(flightOf(yield* api.get(flight.id)).status).toBe(target)
      }))
  }

  apiTest("the reason is kept as statusReason", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      const cancelled = yield* api.moveTo(flight.id, { status: "cancelled", reason: "crew shortage" })
      expect(cancelled.statusReason).toBe("crew shortage")
    }))

  apiTest("a reason with a control character, a line break, a bidi override or a lone surrogate is a 400 at body.reason, and the flight stays scheduled", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      for (const reason of ["crew\u0000shortage", "crew\r\nshortage", "\u202eevil", "late\ud800"]) {
        expectValidation(yield* api.changeStatus(flight.id, { status: "cancelled", reason }), ["body.reason"])
      }
      expect(flightOf(yield* api.get(flight.id))).toMatchObject({ status: "scheduled", statusReason: null })
    }))

  const illegal: ReadonlyArray<readonly [string, string]> = [
    ["scheduled", "arrived"],
    ["scheduled", "departed"],
    ["scheduled", "scheduled"],
    ["cancelled", "scheduled"],
    ["departed", "cancelled"],
  ]

  for (const [from, target] of illegal) {
    apiTest(`${from} -> ${target} is a 409 invalid-status-transition, and the flight stays ${from}`, (api) =>
      Effect.gen(function* () {
        const flight = yield* api.schedule()
        let previous = "scheduled"
        for (const step of pathTo[from] ?? []) {
          yield* api.moveTo(flight.id, to(step, previous))
          previous = step
        }
        expectProblem(yield* api.changeStatus(flight.id, to(target, from)), 409, "invalid-status-transition")
        expect(flightOf(yield* api.get(flight.id)).status).toBe(from)
      }))
  }

  apiTest("delayed without departureAt is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(yield* api.changeStatus(flight.id, { status: "delayed" }), ["body.departureAt"])
      expect(flightOf(yield* api.get(flight.id)).status).toBe("scheduled")
    }))

  apiTest("delayed with departureAt equal to the scheduled departure is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(
        yield* api.changeStatus(flight.id, { status: "delayed", departureAt: "2026-12-01T10:00:00.000Z" }),
        ["body.departureAt"],
      )
    }))

  apiTest("delayed with departureAt before the scheduled departure is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(
        yield* api.changeStatus(flight.id, { status: "delayed", departureAt: "2026-12-01T09:00:00.000Z" }),
        ["body.departureAt"],
      )
    }))

  apiTest("departureAt with a status other than delayed is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(
        yield* api.changeStatus(flight.id, { status: "boarding", departureAt: "2026-12-01T12:00:00.000Z" }),
        ["body.departureAt"],
      )
      expect(flightOf(yield* api.get(flight.id)).status).toBe("scheduled")
    }))

  apiTest("a delay moves departureAt and arrivalAt by as much, and keeps scheduledDepartureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule({ departureAt: "2026-12-01T22:00:00.000Z", arrivalAt: "2026-12-02T06:00:00.000Z" })
      const delayed = yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-02T01:30:00.000Z", reason: "fog" })
      expect(delayed).toMatchObject({
        status: "delayed",
        statusReason: "fog",
        departureAt: "2026-12-02T01:30:00.000Z",
        arrivalAt: "2026-12-02T09:30:00.000Z",
        scheduledDepartureAt: "2026-12-01T22:00:00.000Z",
      })
      expect(yield* api.get(flight.id)).toMatchObject({ status: 200, body: delayed })
    }))

  apiTest("a second delay moves the arrival from the first delay's times", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-01T12:00:00.000Z" })
      const again = yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-01T11:00:00.000Z" })
      expect(again).toMatchObject({ departureAt: "2026-12-01T11:00:00.000Z", arrivalAt: "2026-12-01T19:00:00.000Z" })
    }))

  apiTest("a delayed flight is found by search on its new day, not its old one", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule({ departureAt: "2026-12-01T22:00:00.000Z", arrivalAt: "2026-12-02T06:00:00.000Z" })
      yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-02T01:30:00.000Z" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-02" })).toEqual([flight.id])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
    }))

  apiTest("an unknown id is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.changeStatus(unknownId, { status: "cancelled" }), 404, "flight-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.changeStatus("12345", { status: "cancelled" }), ["path.id"])
    }))

  apiTest("an unknown status value is a 400 at body.status", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(yield* api.changeStatus(flight.id, { status: "landed" }), ["body.status"])
    }))

  apiTest("an unknown body field is a 400 at its path", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(yield* api.changeStatus(flight.id, { status: "cancelled", gate: "B32" }), ["body.gate"])
    }))
})
