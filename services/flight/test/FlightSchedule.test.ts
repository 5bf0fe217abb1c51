/**
 * A flight's schedule: what decodes (random valid schedules too), each rule that refuses one at its
 * field, and the flight it schedules.
 */
import { describe, expect, test } from "bun:test"
import { DateTime, Either, FastCheck } from "effect"
import { schedule } from "../src/domain/Flight.ts"
import { scheduleInputArb } from "./support/FlightArbitraries.ts"
import {
  cabinAt,
  decodeSchedule,
  decoded,
  flightId,
  issuesOf,
  now,
  pathsOf,
  scheduledFlight,
  validInput,
  validSchedule,
} from "./support/FlightSchedules.ts"

describe("a flight schedule", () => {
  test("that is valid decodes", () => {
    expect(validSchedule.cabins.map((layout) => layout.cabin)).toEqual(["first", "business", "economy"])
  })

  test("random valid schedules, with disjoint rows in any order, always decode", () => {
    FastCheck.assert(FastCheck.property(scheduleInputArb, (input) => {
      expect(Either.isRight(decodeSchedule(input, { errors: "all" }))).toBe(true)
    }))
  })

  test("is refused at departureAt and arrivalAt when they lie beyond the year 9999", () => {
    const input = validInput()
    input.departureAt = "+010000-01-01T10:00:00Z"
    input.arrivalAt = "+010000-01-01T18:00:00Z"
    expect(pathsOf(input)).toEqual([["departureAt"], ["arrivalAt"]])
  })

  test("is refused at destination when the destination is the origin", () => {
    const input = validInput()
    input.destination = input.origin
    const issues = issuesOf(input)
    expect(issues.map((issue) => issue.path)).toEqual([["destination"]])
    expect(issues[0]?.message).toContain("origin")
  })

  test.each([
    ["at the departure", "2026-12-01T10:00:00Z"],
    ["before the departure", "2026-12-01T09:59:59Z"],
  ])("is refused at arrivalAt when the arrival is %s", (_, arrivalAt) => {
    const input = validInput()
    input.arrivalAt = arrivalAt
    const issues = issuesOf(input)
    expect(issues.map((issue) => issue.path)).toEqual([["arrivalAt"]])
    expect(issues[0]?.message).toContain("departureAt")
  })

  test("is refused at the later cabin when a cabin class is given twice", () => {
    const input = validInput()
    cabinAt(input, 2).cabin = "first"
    const issues = issuesOf(input)
    expect(issues.map((issue) => issue.path)).toEqual([["cabins", 2, "cabin"]])
    expect(issues[0]?.message).toContain("cabins.0")
  })

  test("is refused at the cabin's rows when its rows run backwards", () => {
    const input = validInput()
    cabinAt(input, 2).rows = { from: 45, to: 20 }
    const issues = issuesOf(input)
    expect(issues.map((issue) => issue.path)).toEqual([["cabins", 2, "rows"]])
    expect(issues[0]?.message).toContain("from")
  })

  test("is refused at the later cabin's rows when two cabins share a row", () => {
    const input = validInput()
    cabinAt(input, 1).rows = { from: 2, to: 8 }
    const issues = issuesOf(input)
    expect(issues.map((issue) => issue.path)).toEqual([["cabins", 1, "rows"]])
    expect(issues[0]?.message).toContain("cabins.0")
  })

  test("is refused when a later cabin's rows enclose an earlier cabin's rows", () => {
    const input = validInput()
    cabinAt(input, 2).rows = { from: 1, to: 45 }
    expect(pathsOf(input)).toEqual([["cabins", 2, "rows"]])
  })

  test("is refused at the cabin's seat letters when a letter repeats", () => {
    const input = validInput()
    cabinAt(input, 1).seatLetters = "ACDA"
    expect(pathsOf(input)).toEqual([["cabins", 1, "seatLetters"]])
  })

  test("reports every broken rule at once, each at its field", () => {
    const input = validInput()
    input.destination = "LHR"
    input.arrivalAt = input.departureAt
    cabinAt(input, 1).seatLetters = "AA"
    cabinAt(input, 2).cabin = "business"
    const paths = pathsOf(input)
    expect(paths).toHaveLength(4)
    expect(paths).toEqual(expect.arrayContaining([
      ["destination"],
      ["arrivalAt"],
      ["cabins", 1, "seatLetters"],
      ["cabins", 2, "cabin"],
    ]))
  })

  test("is refused at the fare amount when the fare is not in integer minor units", () => {
    const input = validInput()
    cabinAt(input, 0).fare.amount = 12.5
    expect(pathsOf(input)).toEqual([["cabins", 0, "fare", "amount"]])
  })

  test.each(["lhr", "LH", "LHRX", "L1R", ""])("is refused at origin when the IATA code is %p", (origin) => {
    const input = validInput()
    input.origin = origin
    expect(pathsOf(input)).toEqual([["origin"]])
  })

  test("accepts exactly the IATA codes of three upper-case letters", () => {
    FastCheck.assert(FastCheck.property(FastCheck.string({ maxLength: 5 }), (code) => {
      const input = validInput()
      input.destination = code
      const ok = Either.isRight(decodeSchedule(input, { errors: "all" }))
      expect(ok).toBe(/^[A-Z]{3}$/.test(code) && code !== input.origin)
    }))
  })

  test("is refused at cabins when it has more than 4 cabins", () => {
    const input = validInput()
    input.cabins = [
      ...input.cabins,
      { cabin: "premium", rows: { from: 10, to: 15 }, seatLetters: "ABC", fare: { amount: 1, currency: "GBP" } },
      { cabin: "premium", rows: { from: 50, to: 55 }, seatLetters: "ABC", fare: { amount: 1, currency: "GBP" } },
    ]
    expect(pathsOf(input)).toEqual([["cabins"]])
  })

  test("may have 4 cabins", () => {
    const input = validInput()
    input.cabins.push({ cabin: "premium", rows: { from: 10, to: 15 }, seatLetters: "ABC", fare: { amount: 1, currency: "GBP" } })
    expect(decoded(input).cabins).toHaveLength(4)
  })

  test("is refused at cabins when it has no cabin", () => {
    const input = validInput()
    input.cabins = []
    const paths = pathsOf(input)
    expect(paths).toHaveLength(1)
    expect(paths[0]?.[0]).toBe("cabins")
  })
})

describe("scheduling a flight", () => {
  test("gives status scheduled, version 1, and every seat of each cabin available", () => {
    FastCheck.assert(FastCheck.property(scheduleInputArb, (input) => {
      const s = decoded(input)
      const flight = schedule(flightId, s, now)
      expect(flight.status).toBe("scheduled")
      expect(flight.statusReason).toBeNull()
      expect(flight.version).toBe(1)
      expect(flight.id).toBe(flightId)
      expect(DateTime.Equivalence(flight.scheduledDepartureAt, s.departureAt)).toBe(true)
      expect(DateTime.Equivalence(flight.departureAt, s.departureAt)).toBe(true)
      expect(DateTime.Equivalence(flight.createdAt, now)).toBe(true)
      expect([...flight.availability]).toEqual(
        s.cabins.map((layout) => {
          const capacity = (layout.rows.to - layout.rows.from + 1) * layout.seatLetters.length
          return { cabin: layout.cabin, capacity, available: capacity }
        }),
      )
    }))
  })

  test("of the example schedule has 4 first, 36 business and 260 economy seats", () => {
    expect(scheduledFlight.availability).toEqual([
      { cabin: "first", capacity: 4, available: 4 },
      { cabin: "business", capacity: 36, available: 36 },
      { cabin: "economy", capacity: 260, available: 260 },
    ])
  })
})
