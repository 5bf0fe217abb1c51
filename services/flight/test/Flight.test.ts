import { describe, expect, test } from "bun:test"
import { type Cabin, type CabinLayout, FlightId, type FlightStatus, SeatNumber } from "@flight/contracts"
import { DateTime, Either, FastCheck, Option, ParseResult, Schema } from "effect"
import {
  allowedTransitions,
  canTransition,
  capacityOf,
  changeStatus,
  Day,
  dayOf,
  Flight,
  FlightSchedule,
  isBookable,
  schedule,
  seatMap,
  seatsOf,
  type StatusChange,
} from "../src/domain/Flight.ts"

const flightId = FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e")
const now = DateTime.unsafeMake("2026-11-01T08:00:00Z")
const later = DateTime.unsafeMake("2026-11-02T08:00:00Z")
const hour = 60 * 60 * 1000

const decodeSchedule = Schema.decodeUnknownEither(FlightSchedule)

// -------------------------------------------------------------------------------------------------
// Inputs

type CabinInput = {
  cabin: string
  rows: { from: number; to: number }
  seatLetters: string
  fare: { amount: number; currency: string }
}
type ScheduleInput = {
  flightNumber: string
  origin: string
  destination: string
  departureAt: string
  arrivalAt: string
  aircraft: string
  cabins: Array<CabinInput>
}

/** A schedule as a client sends it, valid: every test changes one thing. */
const validInput = (): ScheduleInput => ({
  flightNumber: "BA117",
  origin: "LHR",
  destination: "JFK",
  departureAt: "2026-12-01T10:00:00Z",
  arrivalAt: "2026-12-01T18:00:00Z",
  aircraft: "Boeing 777-300ER",
  cabins: [
    { cabin: "first", rows: { from: 1, to: 2 }, seatLetters: "AK", fare: { amount: 900000, currency: "GBP" } },
    { cabin: "business", rows: { from: 3, to: 8 }, seatLetters: "ACDGHK", fare: { amount: 350000, currency: "GBP" } },
    { cabin: "economy", rows: { from: 20, to: 45 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45000, currency: "GBP" } },
  ],
})

const cabinAt = (input: ScheduleInput, index: number): CabinInput => {
  const cabin = input.cabins[index]
  if (cabin === undefined) throw new Error(`no cabin at ${index}`)
  return cabin
}

const decoded = (input: unknown): FlightSchedule => {
  const result = decodeSchedule(input, { errors: "all" })
  if (Either.isLeft(result)) {
    throw new Error(`expected the schedule to decode: ${JSON.stringify(ParseResult.ArrayFormatter.formatErrorSync(result.left))}`)
  }
  return result.right
}

/** Decodes a schedule that should be refused, and returns the issues the decoder reports. */
const issuesOf = (input: unknown): ReadonlyArray<ParseResult.ArrayFormatterIssue> => {
  const result = decodeSchedule(input, { errors: "all" })
  if (Either.isRight(result)) throw new Error(`expected the schedule to be rejected: ${JSON.stringify(input)}`)
  return ParseResult.ArrayFormatter.formatErrorSync(result.left)
}

const pathsOf = (input: unknown) => issuesOf(input).map((issue) => issue.path)

const validSchedule = decoded(validInput())
const scheduledFlight = schedule(flightId, validSchedule, now)

// -------------------------------------------------------------------------------------------------
// Arbitraries

const allLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("")
const cabinClasses: ReadonlyArray<Cabin> = ["economy", "premium", "business", "first"]

/** 1 to 10 distinct seat letters, in any order. */
const seatLettersArb = FastCheck.uniqueArray(FastCheck.constantFrom(...allLetters), { minLength: 1, maxLength: 10 })
  .map((letters) => letters.join(""))

const fareArb = FastCheck.record({
  amount: FastCheck.integer({ min: 0, max: 10_000_000 }),
  currency: FastCheck.constantFrom("GBP", "EUR", "USD"),
})

/** Any valid cabin layout on its own, rows anywhere in 1..999. */
const layoutArb: FastCheck.Arbitrary<CabinLayout> = FastCheck.record({
  cabin: FastCheck.constantFrom(...cabinClasses),
  from: FastCheck.integer({ min: 1, max: 999 }),
  length: FastCheck.integer({ min: 1, max: 60 }),
  seatLetters: seatLettersArb,
  fare: fareArb,
}).map(({ cabin, fare, from, length, seatLetters }) => ({
  cabin,
  rows: { from, to: Math.min(999, from + length - 1) },
  seatLetters,
  fare,
}))

/**
 * The cabins of a valid schedule: 1 to 4 distinct classes, each with a row range that starts after
 * the previous one ends (with a random gap), listed in a random order.
 */
const cabinsArb: FastCheck.Arbitrary<Array<CabinInput>> = FastCheck.shuffledSubarray([...cabinClasses], {
  minLength: 1,
  maxLength: 4,
}).chain((classes) =>
  FastCheck.tuple(
    FastCheck.array(
      FastCheck.record({
        gap: FastCheck.integer({ min: 0, max: 20 }),
        length: FastCheck.integer({ min: 1, max: 60 }),
        seatLetters: seatLettersArb,
        fare: fareArb,
      }),
      { minLength: classes.length, maxLength: classes.length },
    ),
    FastCheck.shuffledSubarray(classes.map((_, index) => index), { minLength: classes.length, maxLength: classes.length }),
  ).map(([parts, order]) => {
    let next = 1
    const ranges = parts.map(({ gap, length }) => {
      const from = next + gap
      const to = from + length - 1
      next = to + 1
      return { from, to }
    })
    return classes.map((cabin, index): CabinInput => {
      const part = parts[index]!
      return { cabin, rows: ranges[order[index]!]!, seatLetters: part.seatLetters, fare: part.fare }
    })
  })
)

const iataArb = FastCheck.stringMatching(/^[A-Z]{3}$/)

const scheduleInputArb: FastCheck.Arbitrary<ScheduleInput> = FastCheck.record({
  flightNumber: FastCheck.stringMatching(/^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$/),
  route: FastCheck.tuple(iataArb, iataArb).filter(([origin, destination]) => origin !== destination),
  departure: FastCheck.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2030, 11, 31) }),
  duration: FastCheck.integer({ min: 1, max: 20 * hour }),
  aircraft: FastCheck.constantFrom("Boeing 777-300ER", "Airbus A320neo", "Embraer E190"),
  cabins: cabinsArb,
}).map(({ aircraft, cabins, departure, duration, flightNumber, route }) => ({
  flightNumber,
  origin: route[0],
  destination: route[1],
  departureAt: new Date(departure).toISOString(),
  arrivalAt: new Date(departure + duration).toISOString(),
  aircraft,
  cabins,
}))

// -------------------------------------------------------------------------------------------------

describe("the seat map", () => {
  test("a cabin has rows x letters seats, all distinct, all valid seat numbers, counted by capacityOf", () => {
    FastCheck.assert(FastCheck.property(layoutArb, (layout) => {
      const seats = seatsOf(layout)
      const rows = layout.rows.to - layout.rows.from + 1
      expect(seats.length).toBe(rows * layout.seatLetters.length)
      expect(capacityOf(layout)).toBe(seats.length)
      expect(new Set(seats).size).toBe(seats.length)
      for (const seat of seats) expect(Schema.is(SeatNumber)(seat)).toBe(true)
      expect(seats[0]).toBe(SeatNumber.make(`${layout.rows.from}${layout.seatLetters[0]}`))
      expect(seats.at(-1)).toBe(SeatNumber.make(`${layout.rows.to}${layout.seatLetters.at(-1)}`))
    }))
  })

  test("lists a cabin's seats row by row, in the order of its letters", () => {
    const layout = cabinAt(validInput(), 0)
    expect(seatsOf(layout as CabinLayout)).toEqual(["1A", "1K", "2A", "2K"].map((seat) => SeatNumber.make(seat)))
  })

  test("the seats of different cabins of a valid schedule never collide", () => {
    FastCheck.assert(FastCheck.property(scheduleInputArb, (input) => {
      const { cabins } = decoded(input)
      const map = seatMap(cabins)
      expect(map.map((entry) => entry.cabin)).toEqual(cabins.map((layout) => layout.cabin))
      const all = map.flatMap((entry) => entry.seats)
      expect(new Set(all).size).toBe(all.length)
      expect(all.length).toBe(cabins.reduce((sum, layout) => sum + capacityOf(layout), 0))
    }))
  })
})

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

describe("a day", () => {
  const isDay = Schema.is(Day)

  test.each(["2026-12-01", "2024-02-29", "2026-01-31"])("accepts %p", (day) => {
    expect(Either.isRight(Schema.decodeUnknownEither(Day)(day))).toBe(true)
  })

  test.each(["2026-02-30", "2025-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-12-00", "2026-1-1", "", "2026-12-01T00:00:00Z", " 2026-12-01"])(
    "rejects %p",
    (day) => {
      const result = Schema.decodeUnknownEither(Day)(day)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => issue.message))
          .toEqual(["must be a calendar day, YYYY-MM-DD"])
      }
    },
  )

  test("accepts exactly what a Date reads back as the same UTC day", () => {
    const byDate = (day: string) =>
      /^\d{4}-\d{2}-\d{2}$/.test(day) && Number.isFinite(Date.parse(`${day}T00:00:00Z`)) &&
      new Date(`${day}T00:00:00Z`).toISOString().startsWith(day)
    const pad = (n: number, width: number) => String(n).padStart(width, "0")
    for (const year of [0, 1, 4, 100, 400, 1600, 1700, 1900, 1999, 2000, 2024, 2025, 2100, 2400, 9996, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let date = 0; date <= 32; date++) {
          const day = `${pad(year, 4)}-${pad(month, 2)}-${pad(date, 2)}`
          expect([day, isDay(day)]).toEqual([day, byDate(day)])
        }
      }
    }
    FastCheck.assert(FastCheck.property(
      FastCheck.oneof(FastCheck.string({ maxLength: 12 }), FastCheck.stringMatching(/^\d{4}-\d{2}-\d{2}\n?$/)),
      (day) => isDay(day) === byDate(day),
    ))
  })

  test("dayOf gives the UTC day of an instant, which is a Day", () => {
    expect(dayOf(DateTime.unsafeMake("2026-12-01T00:00:00Z"))).toBe(Day.make("2026-12-01"))
    expect(dayOf(DateTime.unsafeMake("2026-12-01T23:59:59.999Z"))).toBe(Day.make("2026-12-01"))
    FastCheck.assert(FastCheck.property(
      FastCheck.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2999, 11, 31, 23, 59, 59, 999) }),
      (millis) => {
        const day = dayOf(DateTime.unsafeMake(millis))
        expect(isDay(day)).toBe(true)
        expect(day).toBe(Day.make(new Date(millis).toISOString().slice(0, 10)))
      },
    ))
  })
})

// -------------------------------------------------------------------------------------------------
// Status

const statuses: ReadonlyArray<FlightStatus> = ["scheduled", "delayed", "boarding", "departed", "arrived", "cancelled"]

/** The status machine as the issue states it. */
const expectedTransitions: Record<FlightStatus, ReadonlyArray<FlightStatus>> = {
  scheduled: ["delayed", "boarding", "cancelled"],
  delayed: ["boarding", "cancelled", "delayed"],
  boarding: ["departed"],
  departed: ["arrived"],
  arrived: [],
  cancelled: [],
}

const flightIn = (status: FlightStatus): Flight => new Flight({ ...scheduledFlight, status })

const at = (flight: Flight, millisAfterScheduled: number) => DateTime.add(flight.scheduledDepartureAt, { millis: millisAfterScheduled })

const changeTo = (status: FlightStatus, fields: Partial<StatusChange> = {}): StatusChange => ({
  status,
  reason: Option.none(),
  departureAt: status === "delayed" ? Option.some(at(scheduledFlight, 2 * hour)) : Option.none(),
  ...fields,
})

const succeeded = <A, E>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(result.left)}`)
  return result.right
}

const failed = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error("expected a failure")
  return result.left
}

const sameInstant = (a: DateTime.DateTime, b: DateTime.DateTime) => DateTime.toEpochMillis(a) === DateTime.toEpochMillis(b)

describe("the status machine", () => {
  const pairs = statuses.flatMap((from) => statuses.map((to) => [from, to, expectedTransitions[from].includes(to)] as const))

  test("covers all 36 pairs of statuses", () => {
    expect(pairs).toHaveLength(36)
    expect(pairs.filter(([, , allowed]) => allowed)).toHaveLength(8)
  })

  test.each(pairs)("%p -> %p is allowed: %p", (from, to, allowed) => {
    const flight = flightIn(from)
    const result = changeStatus(flight, changeTo(to), later)
    expect(canTransition(from, to)).toBe(allowed)
    if (allowed) {
      const next = succeeded(result)
      expect(next.status).toBe(to)
      expect(next.version).toBe(flight.version + 1)
    } else {
      const error = failed(result)
      expect(error._tag).toBe("InvalidTransition")
      if (error._tag === "InvalidTransition") {
        expect({ from: error.from, to: error.to }).toEqual({ from, to })
      }
    }
  })

  test("allowedTransitions is the table of the issue", () => {
    const sorted = (table: Record<FlightStatus, ReadonlyArray<FlightStatus>>) =>
      Object.fromEntries(Object.entries(table).map(([from, to]) => [from, [...to].sort()]))
    expect(sorted(allowedTransitions)).toEqual(sorted(expectedTransitions))
  })

  test("a final status says so in the refusal", () => {
    const error = failed(changeStatus(flightIn("arrived"), changeTo("boarding"), later))
    expect(error.message).toContain("final")
  })
})

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

describe("a flight", () => {
  test.each(statuses.map((status) => [status, status === "scheduled" || status === "delayed"] as const))(
    "%p is bookable: %p",
    (status, bookable) => {
      expect(isBookable(flightIn(status))).toBe(bookable)
    },
  )
})
