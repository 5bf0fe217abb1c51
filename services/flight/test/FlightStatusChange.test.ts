/**
 * A status change of a flight: what a delay must give (a new departure, after the scheduled one,
 * within seven days) and what it moves, the reason kept, and the flight it leaves unchanged.
 */
import { describe, expect, test } from "bun:test"
import { DateTime, FastCheck, Option, Schema } from "effect"
import { changeStatus, Flight } from "../src/domain/Flight.ts"
import { hour, later, scheduledFlight } from "./support/FlightSchedules.ts"
import { at, changeTo, failed, flightIn, sameInstant, succeeded } from "./support/FlightStatusChanges.ts"

describe("a status change", () => {
  test.each([
    ["more than seven days after the scheduled departure", 7 * 24 * hour + 1],
    ["in the year 275760", Date.parse("+275760-09-13T00:00:00Z") - Date.parse("2026-12-01T10:00:00Z")],
  ])("to delayed with a departure %s is refused at departureAt", (_, offset) => {
    const error = failed(changeStatus(scheduledFlight, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, offset)) }), later))
    expect(error._tag).toBe("InvalidStatusChange")
    if (error._tag === "InvalidStatusChange") expect(error.field).toBe("departureAt")
  })

  test("to delayed by exactly seven days is accepted", () => {
    const delayed = succeeded(changeStatus(scheduledFlight, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, 7 * 24 * hour)) }), later))
    expect(delayed.status).toBe("delayed")
  })

  test("with a reason longer than 500 characters is refused at reason, not thrown", () => {
    const error = failed(changeStatus(scheduledFlight, changeTo("cancelled", { reason: Option.some("x".repeat(501)) }), later))
    expect(error._tag).toBe("InvalidStatusChange")
    if (error._tag === "InvalidStatusChange") expect(error.field).toBe("reason")
  })

  test("with a reason that is not free text (a control character) is refused at reason, saying which character", () => {
    const error = failed(changeStatus(scheduledFlight, changeTo("cancelled", { reason: Option.some("crew\u001b[31m") }), later))
    expect(error).toMatchObject({ _tag: "InvalidStatusChange", field: "reason", reason: "must not contain control characters (U+001B at 4)" })
  })

  test("to delayed without a new departure is refused at departureAt", () => {
    const error = failed(changeStatus(scheduledFlight, changeTo("delayed", { departureAt: Option.none() }), later))
    expect(error._tag).toBe("InvalidStatusChange")
    if (error._tag === "InvalidStatusChange") expect(error.field).toBe("departureAt")
  })

  test.each([
    ["at", 0],
    ["before", -1],
    ["an hour before", -hour],
  ])("to delayed with a departure %s the scheduled one is refused at departureAt", (_, offset) => {
    const error = failed(changeStatus(scheduledFlight, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, offset)) }), later))
    expect(error._tag).toBe("InvalidStatusChange")
    if (error._tag === "InvalidStatusChange") expect(error.field).toBe("departureAt")
  })

  test.each([
    ["scheduled", "boarding"],
    ["scheduled", "cancelled"],
    ["delayed", "boarding"],
    ["delayed", "cancelled"],
    ["boarding", "departed"],
    ["departed", "arrived"],
  ] as const)("%p -> %p with a departureAt is refused at departureAt", (from, to) => {
    const error = failed(changeStatus(flightIn(from), changeTo(to, { departureAt: Option.some(at(scheduledFlight, hour)) }), later))
    expect(error._tag).toBe("InvalidStatusChange")
    if (error._tag === "InvalidStatusChange") expect(error.field).toBe("departureAt")
  })

  test("a delay moves the arrival by as much as the departure", () => {
    const next = succeeded(changeStatus(scheduledFlight, changeTo("delayed", {
      departureAt: Option.some(DateTime.unsafeMake("2026-12-01T12:30:00Z")),
    }), later))
    expect(DateTime.formatIso(next.departureAt)).toBe("2026-12-01T12:30:00.000Z")
    expect(DateTime.formatIso(next.arrivalAt)).toBe("2026-12-01T20:30:00.000Z")
    expect(DateTime.formatIso(next.scheduledDepartureAt)).toBe("2026-12-01T10:00:00.000Z")
  })

  test("any sequence of delays keeps the flight's duration and the first scheduled departure", () => {
    const duration = DateTime.distance(scheduledFlight.departureAt, scheduledFlight.arrivalAt)
    FastCheck.assert(FastCheck.property(
      FastCheck.array(FastCheck.integer({ min: 1, max: 72 * hour }), { minLength: 1, maxLength: 6 }),
      (delays) => {
        let flight = scheduledFlight
        for (const delay of delays) {
          const departureAt = at(scheduledFlight, delay)
          const next = succeeded(changeStatus(flight, changeTo("delayed", { departureAt: Option.some(departureAt) }), later))
          expect(sameInstant(next.departureAt, departureAt)).toBe(true)
          expect(DateTime.distance(flight.arrivalAt, next.arrivalAt)).toBe(DateTime.distance(flight.departureAt, next.departureAt))
          expect(DateTime.distance(next.departureAt, next.arrivalAt)).toBe(duration)
          expect(sameInstant(next.scheduledDepartureAt, scheduledFlight.scheduledDepartureAt)).toBe(true)
          expect(next.version).toBe(flight.version + 1)
          flight = next
        }
      },
    ))
  })

  test("a delayed flight can be delayed again to an earlier time, still after the scheduled departure", () => {
    const first = succeeded(changeStatus(scheduledFlight, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, 4 * hour)) }), later))
    const second = succeeded(changeStatus(first, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, hour)) }), later))
    expect(second.status).toBe("delayed")
    expect(DateTime.formatIso(second.departureAt)).toBe("2026-12-01T11:00:00.000Z")
    expect(DateTime.formatIso(second.arrivalAt)).toBe("2026-12-01T19:00:00.000Z")
    expect(second.version).toBe(3)
  })

  test("a delayed flight cannot be delayed back to (or before) its scheduled departure", () => {
    const first = succeeded(changeStatus(scheduledFlight, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, 4 * hour)) }), later))
    for (const offset of [0, -hour]) {
      const error = failed(changeStatus(first, changeTo("delayed", { departureAt: Option.some(at(scheduledFlight, offset)) }), later))
      expect(error._tag).toBe("InvalidStatusChange")
    }
  })

  test("keeps the reason given", () => {
    const delayed = succeeded(changeStatus(scheduledFlight, changeTo("delayed", { reason: Option.some("late inbound aircraft") }), later))
    expect(delayed.statusReason).toBe("late inbound aircraft")
    const cancelled = succeeded(changeStatus(delayed, changeTo("cancelled", { reason: Option.some("crew shortage") }), later))
    expect(cancelled.statusReason).toBe("crew shortage")
    const boarding = succeeded(changeStatus(scheduledFlight, changeTo("boarding"), later))
    expect(boarding.statusReason).toBeNull()
  })

  test("counts one version more, is updated now, and leaves the rest of the flight as it was", () => {
    const next = succeeded(changeStatus(scheduledFlight, changeTo("boarding"), later))
    expect(next.version).toBe(scheduledFlight.version + 1)
    expect(sameInstant(next.updatedAt, later)).toBe(true)
    expect(sameInstant(next.createdAt, scheduledFlight.createdAt)).toBe(true)
    expect(sameInstant(next.departureAt, scheduledFlight.departureAt)).toBe(true)
    expect(sameInstant(next.arrivalAt, scheduledFlight.arrivalAt)).toBe(true)
    expect(next.id).toBe(scheduledFlight.id)
    expect(next.availability).toEqual(scheduledFlight.availability)
    expect(next.cabins).toEqual(scheduledFlight.cabins)
  })

  test("leaves the original flight unchanged", () => {
    const before = JSON.stringify(Schema.encodeSync(Flight)(scheduledFlight))
    succeeded(changeStatus(scheduledFlight, changeTo("delayed"), later))
    expect(JSON.stringify(Schema.encodeSync(Flight)(scheduledFlight))).toBe(before)
  })
})
