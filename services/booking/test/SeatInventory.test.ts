import { describe, expect, test } from "bun:test"
import { BookingId, type CabinLayout, FlightId, PaymentId, SeatNumber } from "@flight/contracts"
import { DateTime, Either, FastCheck } from "effect"
import { Booking, cancel, confirm, expire, randomReference, takesSeats, totalOf } from "../src/domain/Booking.ts"
import {
  allocate,
  checkRequested,
  rowsOf,
  SeatNotInCabin,
  SeatRequestedTwice,
  seatsOf,
  SeatsUnavailable,
} from "../src/domain/SeatInventory.ts"

const flightId = FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e")
const seat = (name: string) => SeatNumber.make(name)
const seats = (...names: ReadonlyArray<string>) => names.map(seat)

/** Rows 1 to 3, six seats a row: 18 seats. */
const small: CabinLayout = {
  cabin: "economy",
  rows: { from: 1, to: 3 },
  seatLetters: "ABCDEF",
  fare: { amount: 45000, currency: "GBP" },
}

/** Every seat free except these. */
const freeExcept = (...taken: ReadonlyArray<string>) => {
  const set = new Set<string>(taken)
  return (candidate: SeatNumber) => !set.has(candidate)
}

/** Every seat taken except these. */
const onlyFree = (...free: ReadonlyArray<string>) => {
  const set = new Set<string>(free)
  return (candidate: SeatNumber) => set.has(candidate)
}

/** A party of `n` passengers who name no seat. */
const party = (n: number): Array<SeatNumber | undefined> => Array.from({ length: n }, () => undefined)

const expectRight = <A, E>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) throw new Error(`expected success, got ${String(result.left)}`)
  return result.right
}

const expectLeft = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`)
  return result.left
}

// -------------------------------------------------------------------------------------------------
// The layout

describe("rowsOf and seatsOf", () => {
  test("rows front to back, each with its seats in letter order", () => {
    const layout: CabinLayout = { ...small, rows: { from: 11, to: 12 }, seatLetters: "ACDG" }
    expect(rowsOf(layout)).toEqual([seats("11A", "11C", "11D", "11G"), seats("12A", "12C", "12D", "12G")])
    expect(seatsOf(layout)).toEqual(seats("11A", "11C", "11D", "11G", "12A", "12C", "12D", "12G"))
    expect(seatsOf(small)).toHaveLength(18)
  })
})

// -------------------------------------------------------------------------------------------------
// allocate, by example

describe("allocate", () => {
  test("a party of 3 in an empty cabin gets 1A, 1B, 1C", () => {
    expect(expectRight(allocate(flightId, small, () => true, party(3)))).toEqual(seats("1A", "1B", "1C"))
  })

  test("with 1B taken, a party of 3 gets the first run of three: 1C, 1D, 1E", () => {
    expect(expectRight(allocate(flightId, small, freeExcept("1B"), party(3)))).toEqual(seats("1C", "1D", "1E"))
  })

  test("a run in a later row beats scattered seats in an earlier one", () => {
    // Row 1 has 4 free seats but no run of 3; row 2 has 2D, 2E, 2F together.
    const isFree = freeExcept("1B", "1D", "2A", "2C", "3A", "3B", "3C", "3D", "3E", "3F")
    expect(expectRight(allocate(flightId, small, isFree, party(3)))).toEqual(seats("2D", "2E", "2F"))
  })

  test("a party that fits in no run but in a row gets the first such row's first free seats", () => {
    // No row has four adjacent free seats. Row 1 has only 3 free; row 2 has 5 free; row 3 has 4.
    const isFree = freeExcept("1B", "1D", "1F", "2C", "3B", "3E")
    expect(expectRight(allocate(flightId, small, isFree, party(4)))).toEqual(seats("2A", "2B", "2D", "2E"))
  })

  test("a party that fits in no row gets the first free seats from the front", () => {
    const isFree = freeExcept("1B", "1D", "1F", "2A", "2C", "2E", "3A", "3B", "3C", "3D", "3E")
    expect(expectRight(allocate(flightId, small, isFree, party(4)))).toEqual(seats("1A", "1C", "1E", "2B"))
  })

  test("named seats stay with their passengers, in order, and the others are filled in together", () => {
    expect(expectRight(allocate(flightId, small, () => true, [undefined, seat("2C"), undefined, undefined])))
      .toEqual(seats("1A", "2C", "1B", "1C"))
    // A seat named by one passenger is not free for the others: the run starts after it.
    expect(expectRight(allocate(flightId, small, () => true, [seat("1B"), undefined, undefined])))
      .toEqual(seats("1B", "1C", "1D"))
    expect(expectRight(allocate(flightId, small, freeExcept("1A"), [seat("3F"), seat("1B")]))).toEqual(seats("3F", "1B"))
  })

  test("a taken named seat fails with SeatsUnavailable listing the taken named seats", () => {
    const error = expectLeft(allocate(flightId, small, freeExcept("1A", "2B"), [seat("1A"), seat("3C"), seat("2B"), undefined]))
    expect(error).toBeInstanceOf(SeatsUnavailable)
    expect(error).toMatchObject({ _tag: "SeatsUnavailable", flightId, cabin: "economy", requested: 4, available: 16 })
    expect(error.seats).toEqual(seats("1A", "2B"))
    expect(error.message).toBe("Seats 1A, 2B are not free")
    expect(expectLeft(allocate(flightId, small, freeExcept("3C"), [seat("3C")])).message).toBe("Seat 3C is not free")
  })

  test("not enough free seats fails with SeatsUnavailable, no seats, and the requested and available counts", () => {
    const error = expectLeft(allocate(flightId, small, onlyFree("1F", "3A"), party(3)))
    expect(error).toBeInstanceOf(SeatsUnavailable)
    expect(error).toMatchObject({ flightId, cabin: "economy", seats: [], requested: 3, available: 2 })
    expect(error.message).toBe("3 economy seats requested, 2 free")
    // Named seats count towards the party.
    expect(expectLeft(allocate(flightId, small, onlyFree("1F", "3A"), [seat("1F"), undefined, undefined])))
      .toMatchObject({ seats: [], requested: 3, available: 2 })
    expect(expectLeft(allocate(flightId, small, () => false, party(1)))).toMatchObject({ seats: [], requested: 1, available: 0 })
  })

  test("exactly the last free seats can be taken", () => {
    expect(expectRight(allocate(flightId, small, onlyFree("1F", "2A", "3C"), party(3)))).toEqual(seats("1F", "2A", "3C"))
    expect(expectRight(allocate(flightId, small, onlyFree("1F", "2A", "3C"), [undefined, seat("1F"), undefined])))
      .toEqual(seats("2A", "1F", "3C"))
    expect(expectRight(allocate(flightId, small, () => true, party(18)))).toEqual(seatsOf(small))
  })

  test("a party that names every seat needs no others", () => {
    expect(expectRight(allocate(flightId, small, onlyFree("2B", "2A"), [seat("2B"), seat("2A")]))).toEqual(seats("2B", "2A"))
  })
})

// -------------------------------------------------------------------------------------------------
// checkRequested

describe("checkRequested", () => {
  test("named seats in the cabin, each once, pass; so does a party that names none", () => {
    expect(Either.isRight(checkRequested(small, [seat("1A"), undefined, seat("3F")]))).toBe(true)
    expect(Either.isRight(checkRequested(small, party(4)))).toBe(true)
  })

  test("a seat that is not in the cabin fails with SeatNotInCabin and the passenger's index", () => {
    const beyond = expectLeft(checkRequested(small, [undefined, seat("4A")]))
    expect(beyond).toBeInstanceOf(SeatNotInCabin)
    expect(beyond).toMatchObject({ _tag: "SeatNotInCabin", seat: "4A", cabin: "economy", passenger: 1 })
    expect(beyond.message).toBe("there is no seat 4A in the economy cabin")
    expect(expectLeft(checkRequested(small, [seat("1A"), undefined, seat("2G")]))).toMatchObject({ seat: "2G", passenger: 2 })
    const business: CabinLayout = { ...small, cabin: "business", rows: { from: 5, to: 6 } }
    expect(expectLeft(checkRequested(business, [seat("1A")]))).toMatchObject({ seat: "1A", cabin: "business", passenger: 0 })
  })

  test("a seat named twice fails with SeatRequestedTwice at the second passenger naming it", () => {
    const twice = expectLeft(checkRequested(small, [seat("1A"), undefined, seat("2B"), seat("1A")]))
    expect(twice).toBeInstanceOf(SeatRequestedTwice)
    expect(twice).toMatchObject({ _tag: "SeatRequestedTwice", seat: "1A", passenger: 3 })
  })
})

// -------------------------------------------------------------------------------------------------
// allocate, by property

const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"]

/** 1 to 30 rows somewhere in 1..999, 1 to 10 distinct letters in any order. */
const layoutArb = (maxRows: number, maxLetters: number): FastCheck.Arbitrary<CabinLayout> =>
  FastCheck.record({
    from: FastCheck.integer({ min: 1, max: 999 - maxRows + 1 }),
    count: FastCheck.integer({ min: 1, max: maxRows }),
    letters: FastCheck.uniqueArray(FastCheck.constantFrom(...alphabet), { minLength: 1, maxLength: maxLetters }),
  }).map(({ count, from, letters }) => ({
    cabin: "economy" as const,
    rows: { from, to: from + count - 1 },
    seatLetters: letters.join(""),
    fare: { amount: 45000, currency: "GBP" },
  }))

/** A passenger names no seat (3 in 4) or picks one by index. */
const pickArb = FastCheck.oneof(
  { arbitrary: FastCheck.constant(undefined), weight: 3 },
  { arbitrary: FastCheck.nat(), weight: 1 },
)

type Scenario = {
  readonly layout: CabinLayout
  readonly taken: ReadonlySet<SeatNumber>
  readonly requested: ReadonlyArray<SeatNumber | undefined>
}

/**
 * A layout, a random share of its seats taken (from none to all), and a party of 1 to 9 whose named
 * seats are distinct and drawn among the free seats, or among all seats (so some may be taken).
 */
const scenarioArb = (namedAmong: "free" | "any"): FastCheck.Arbitrary<Scenario> =>
  layoutArb(30, 10).chain((layout) => {
    const all = seatsOf(layout)
    return FastCheck.record({
      density: FastCheck.integer({ min: 0, max: 100 }),
      rolls: FastCheck.array(FastCheck.integer({ min: 0, max: 99 }), { minLength: all.length, maxLength: all.length }),
      picks: FastCheck.array(pickArb, { minLength: 1, maxLength: 9 }),
    }).map(({ density, picks, rolls }) => {
      const taken = new Set(all.filter((_, index) => rolls[index]! < density))
      const pool = namedAmong === "free" ? all.filter((candidate) => !taken.has(candidate)) : all
      const named = new Set<SeatNumber>()
      const requested = picks.map((pick) => {
        if (pick === undefined || pool.length === 0) return undefined
        const chosen = pool[pick % pool.length]!
        if (named.has(chosen)) return undefined
        named.add(chosen)
        return chosen
      })
      return { layout, taken, requested }
    })
  })

const rowOf = (name: SeatNumber) => Number(name.slice(0, -1))
const letterIndexOf = (layout: CabinLayout, name: SeatNumber) => layout.seatLetters.indexOf(name.slice(-1))

/** The seats a party's unnamed passengers got, in passenger order. */
const unnamedSeats = (requested: ReadonlyArray<SeatNumber | undefined>, result: ReadonlyArray<SeatNumber>) =>
  result.filter((_, index) => requested[index] === undefined)

/**
 * The rule, written independently of the implementation: the first run of `wanted` open seats
 * (ending earliest, front to back), else the first row with `wanted` open seats, else the first
 * `wanted` open seats from the front; undefined when there are not that many.
 */
const reference = (
  layout: CabinLayout,
  open: (candidate: SeatNumber) => boolean,
  wanted: number,
): { readonly step: "none" | "run" | "row" | "front"; readonly seats: ReadonlyArray<SeatNumber> } | undefined => {
  if (wanted === 0) return { step: "none", seats: [] }
  const letters = [...layout.seatLetters]
  const at = (row: number, index: number) => SeatNumber.make(`${row}${letters[index]}`)
  const rows: Array<number> = []
  for (let row = layout.rows.from; row <= layout.rows.to; row++) rows.push(row)
  for (const row of rows) {
    let streak = 0
    for (let index = 0; index < letters.length; index++) {
      streak = open(at(row, index)) ? streak + 1 : 0
      if (streak === wanted) return { step: "run", seats: Array.from({ length: wanted }, (_, k) => at(row, index - wanted + 1 + k)) }
    }
  }
  for (const row of rows) {
    const inRow = letters.map((_, index) => at(row, index)).filter(open)
    if (inRow.length >= wanted) return { step: "row", seats: inRow.slice(0, wanted) }
  }
  const anywhere = rows.flatMap((row) => letters.map((_, index) => at(row, index))).filter(open)
  return anywhere.length >= wanted ? { step: "front", seats: anywhere.slice(0, wanted) } : undefined
}

const isFreeIn = (scenario: Scenario) => (candidate: SeatNumber) => !scenario.taken.has(candidate)

describe("allocate, properties", () => {
  test("whenever it succeeds: one seat per passenger, all distinct, in the cabin, free before, named seats as named", () => {
    let successes = 0
    FastCheck.assert(
      FastCheck.property(scenarioArb("free"), (scenario) => {
        const { layout, requested } = scenario
        const result = allocate(flightId, layout, isFreeIn(scenario), requested)
        if (Either.isLeft(result)) return
        successes++
        const chosen = result.right
        const cabin = new Set(seatsOf(layout))
        expect(chosen).toHaveLength(requested.length)
        expect(new Set(chosen).size).toBe(chosen.length)
        for (const [index, got] of chosen.entries()) {
          expect(cabin.has(got)).toBe(true)
          expect(scenario.taken.has(got)).toBe(false)
          const named = requested[index]
          if (named !== undefined) expect(got).toBe(named)
        }
      }),
      { numRuns: 500 },
    )
    expect(successes).toBeGreaterThan(200)
  })

  test("it fails exactly when there are fewer free seats than passengers or a named seat is taken", () => {
    const outcomes = { succeeded: 0, tooFew: 0, namedTaken: 0 }
    FastCheck.assert(
      FastCheck.property(scenarioArb("any"), (scenario) => {
        const { layout, requested } = scenario
        const free = seatsOf(layout).filter(isFreeIn(scenario)).length
        const takenNamed = requested.filter((named): named is SeatNumber => named !== undefined && scenario.taken.has(named))
        const result = allocate(flightId, layout, isFreeIn(scenario), requested)
        const shouldFail = free < requested.length || takenNamed.length > 0
        expect(Either.isLeft(result)).toBe(shouldFail)
        outcomes[takenNamed.length > 0 ? "namedTaken" : shouldFail ? "tooFew" : "succeeded"]++
        if (Either.isLeft(result)) {
          expect(result.left).toBeInstanceOf(SeatsUnavailable)
          expect(result.left.seats).toEqual(takenNamed)
          expect(result.left.requested).toBe(requested.length)
          expect(result.left.available).toBe(free)
          expect(result.left.cabin).toBe(layout.cabin)
          expect(result.left.flightId).toBe(flightId)
        }
      }),
      { numRuns: 500 },
    )
    // Each outcome was drawn often enough to mean something.
    expect(outcomes.succeeded).toBeGreaterThan(100)
    expect(outcomes.tooFew).toBeGreaterThan(10)
    expect(outcomes.namedTaken).toBeGreaterThan(50)
  })

  test("when some row has a run of enough adjacent free seats, the unnamed passengers get one run in one row", () => {
    let runs = 0
    FastCheck.assert(
      FastCheck.property(scenarioArb("free"), (scenario) => {
        const { layout, requested } = scenario
        const named = new Set(requested.filter((name) => name !== undefined))
        const open = (candidate: SeatNumber) => !scenario.taken.has(candidate) && !named.has(candidate)
        const wanted = requested.length - named.size
        const someRun = wanted > 0 && rowsOf(layout).some((row) =>
          row.some((_, start) => start + wanted <= row.length && row.slice(start, start + wanted).every(open))
        )
        if (!someRun) return
        runs++
        const chosen = unnamedSeats(requested, expectRight(allocate(flightId, layout, isFreeIn(scenario), requested)))
        expect(chosen).toHaveLength(wanted)
        const row = rowOf(chosen[0]!)
        const first = letterIndexOf(layout, chosen[0]!)
        for (const [offset, got] of chosen.entries()) {
          expect(rowOf(got)).toBe(row)
          expect(letterIndexOf(layout, got)).toBe(first + offset)
        }
      }),
      { numRuns: 500 },
    )
    // The property was not vacuous.
    expect(runs).toBeGreaterThan(100)
  })

  test("the unnamed passengers get the first run, else the first row that has room, else the first free seats from the front", () => {
    const steps = { none: 0, run: 0, row: 0, front: 0, fail: 0 }
    FastCheck.assert(
      FastCheck.property(scenarioArb("free"), (scenario) => {
        const { layout, requested } = scenario
        const named = new Set(requested.filter((name) => name !== undefined))
        const open = (candidate: SeatNumber) => !scenario.taken.has(candidate) && !named.has(candidate)
        const expected = reference(layout, open, requested.length - named.size)
        const result = allocate(flightId, layout, isFreeIn(scenario), requested)
        steps[expected?.step ?? "fail"]++
        if (expected === undefined) {
          expect(Either.isLeft(result)).toBe(true)
        } else {
          expect(unnamedSeats(requested, expectRight(result))).toEqual([...expected.seats])
        }
      }),
      { numRuns: 500 },
    )
    // Every step of the rule was reached.
    expect(steps.run).toBeGreaterThan(100)
    expect(steps.row).toBeGreaterThan(5)
    expect(steps.front).toBeGreaterThan(50)
    expect(steps.fail).toBeGreaterThan(20)
  })
})

// -------------------------------------------------------------------------------------------------
// A model: bookings holding, selling and releasing the seats of one cabin

type Command =
  | { readonly kind: "hold"; readonly picks: ReadonlyArray<number | undefined>; readonly clash: boolean }
  | { readonly kind: "release"; readonly pick: number; readonly byExpiry: boolean }
  | { readonly kind: "sell"; readonly pick: number }

const commandArb: FastCheck.Arbitrary<Command> = FastCheck.oneof(
  {
    weight: 3,
    arbitrary: FastCheck.record({
      kind: FastCheck.constant("hold" as const),
      picks: FastCheck.array(pickArb, { minLength: 1, maxLength: 9 }),
      clash: FastCheck.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: FastCheck.record({ kind: FastCheck.constant("release" as const), pick: FastCheck.nat(), byExpiry: FastCheck.boolean() }),
  },
  { weight: 2, arbitrary: FastCheck.record({ kind: FastCheck.constant("sell" as const), pick: FastCheck.nat() }) },
)

const uuid = (prefix: string, n: number) => `01936f0e-8a5c-7b3d-${prefix}-${n.toString(16).padStart(12, "0")}`
const createdAt = DateTime.unsafeMake("2026-12-01T10:00:00Z")
const holdExpiresAt = DateTime.unsafeMake("2026-12-01T10:15:00Z")
const during = DateTime.unsafeMake("2026-12-01T10:05:00Z")
const after = DateTime.unsafeMake("2026-12-01T10:20:00Z")

const newBooking = (layout: CabinLayout, n: number, chosen: ReadonlyArray<SeatNumber>) => {
  const passengers = chosen.map((assigned, index) => ({ firstName: "Passenger", lastName: `Number${index + 1}`, seat: assigned }))
  const [first, ...rest] = passengers
  if (first === undefined) throw new Error("a booking has at least one passenger")
  return new Booking({
    id: BookingId.make(uuid("8000", n)),
    reference: randomReference(),
    flightId,
    cabin: layout.cabin,
    passengers: [first, ...rest],
    contact: { email: "party@example.com" },
    total: totalOf(layout.fare, passengers.length),
    status: "pending",
    holdExpiresAt,
    paymentId: null,
    cancellationReason: null,
    createdAt,
    updatedAt: createdAt,
  })
}

describe("seat inventory against a model", () => {
  test("holding, selling and releasing in any order: no seat belongs to two bookings, held + sold + free = capacity", () => {
    let holds = 0
    let clashes = 0
    let full = 0
    FastCheck.assert(
      FastCheck.property(layoutArb(5, 6), FastCheck.array(commandArb, { maxLength: 40 }), (layout, commands) => {
        const all = seatsOf(layout)
        const cabin = new Set(all)
        const capacity = (layout.rows.to - layout.rows.from + 1) * layout.seatLetters.length
        /** The bookings in the order they were made; a booking's number is its index. */
        const bookings: Array<Booking> = []
        /** The model: which booking each held or sold seat belongs to. */
        const owner = new Map<SeatNumber, number>()
        const isFree = (candidate: SeatNumber) => !owner.has(candidate)

        const checkInvariants = () => {
          const claims = new Map<SeatNumber, number>()
          let held = 0
          let sold = 0
          for (const [n, booking] of bookings.entries()) {
            for (const passenger of booking.passengers) {
              if (takesSeats(booking)) {
                claims.set(passenger.seat, (claims.get(passenger.seat) ?? 0) + 1)
                expect(owner.get(passenger.seat)).toBe(n)
              } else {
                expect(owner.get(passenger.seat)).not.toBe(n)
              }
            }
            if (booking.status === "pending") held += booking.passengers.length
            if (booking.status === "confirmed") sold += booking.passengers.length
          }
          // No seat is claimed by two bookings that take their seats.
          for (const count of claims.values()) expect(count).toBe(1)
          expect(claims.size).toBe(owner.size)
          for (const owned of owner.keys()) expect(cabin.has(owned)).toBe(true)
          const free = all.filter(isFree).length
          expect(held + sold + free).toBe(capacity)
        }

        for (const command of commands) {
          switch (command.kind) {
            case "hold": {
              const freeSeats = all.filter(isFree)
              const takenSeats = all.filter((candidate) => !isFree(candidate))
              const named = new Set<SeatNumber>()
              const requested = command.picks.map((pick) => {
                if (pick === undefined || freeSeats.length === 0) return undefined
                const chosen = freeSeats[pick % freeSeats.length]!
                if (named.has(chosen)) return undefined
                named.add(chosen)
                return chosen
              })
              // Sometimes the first passenger names a seat someone else has.
              const clashing = command.clash && takenSeats.length > 0
                ? takenSeats[(command.picks.length * 7) % takenSeats.length]!
                : undefined
              if (clashing !== undefined) requested[0] = clashing
              expect(Either.isRight(checkRequested(layout, requested))).toBe(true)
              const result = allocate(flightId, layout, isFree, requested)
              const expectedToFail = clashing !== undefined || freeSeats.length < requested.length
              expect(Either.isLeft(result)).toBe(expectedToFail)
              if (Either.isLeft(result)) {
                if (clashing === undefined) full++
                else clashes++
                expect(result.left.seats).toEqual(clashing === undefined ? [] : [clashing])
                break
              }
              holds++
              const n = bookings.length
              for (const chosen of result.right) {
                expect(owner.has(chosen)).toBe(false)
                owner.set(chosen, n)
              }
              bookings.push(newBooking(layout, n, result.right))
              break
            }
            case "release": {
              const active = [...bookings.entries()].filter(([, booking]) => takesSeats(booking))
              if (active.length === 0) break
              const [n, booking] = active[command.pick % active.length]!
              const released = expectRight(
                command.byExpiry && booking.status === "pending" ? expire(booking, after) : cancel(booking, "customer", during),
              )
              expect(takesSeats(released)).toBe(false)
              for (const passenger of released.passengers) {
                expect(owner.get(passenger.seat)).toBe(n)
                owner.delete(passenger.seat)
              }
              bookings[n] = released
              break
            }
            case "sell": {
              const pending = [...bookings.entries()].filter(([, booking]) => booking.status === "pending")
              if (pending.length === 0) break
              const [n, booking] = pending[command.pick % pending.length]!
              const sold = expectRight(confirm(booking, PaymentId.make(uuid("9000", n)), during))
              expect(sold.status).toBe("confirmed")
              expect(takesSeats(sold)).toBe(true)
              bookings[n] = sold
              break
            }
          }
          checkInvariants()
        }
      }),
      { numRuns: 300 },
    )
    // Every outcome of a hold was exercised.
    expect(holds).toBeGreaterThan(100)
    expect(clashes).toBeGreaterThan(50)
    expect(full).toBeGreaterThan(20)
  })
})
