/**
 * Seat allocation by property: over random cabins, taken seats and parties, `allocate` gives each
 * passenger a free seat of the cabin (named ones as named), fails exactly when it must, and follows
 * the rule (a run, else a row, else the front) as a reference written apart from it says.
 */
import { describe, expect, test } from "bun:test"
import { type CabinLayout, SeatNumber } from "@flight/contracts"
import { Either, FastCheck } from "effect"
import { allocate, rowsOf, seatsOf, SeatsUnavailable } from "../src/domain/SeatInventory.ts"
import { flightId } from "./support/Bookings.ts"
import { expectRight } from "./support/Results.ts"
import { isFreeIn, scenarioArb } from "./support/SeatArbitraries.ts"

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
