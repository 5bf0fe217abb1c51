/** Random cabins and seat picks for the seat inventory's property and model tests. */
import type { CabinLayout, SeatNumber } from "@flight/contracts"
import { FastCheck } from "effect"
import { seatsOf } from "../../src/domain/SeatInventory.ts"

const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"]

/** 1 to 30 rows somewhere in 1..999, 1 to 10 distinct letters in any order. */
export const layoutArb = (maxRows: number, maxLetters: number): FastCheck.Arbitrary<CabinLayout> =>
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
export const pickArb = FastCheck.oneof(
  { arbitrary: FastCheck.constant(undefined), weight: 3 },
  { arbitrary: FastCheck.nat(), weight: 1 },
)

export type Scenario = {
  readonly layout: CabinLayout
  readonly taken: ReadonlySet<SeatNumber>
  readonly requested: ReadonlyArray<SeatNumber | undefined>
}

/**
 * A layout, a random share of its seats taken (from none to all), and a party of 1 to 9 whose named
 * seats are distinct and drawn among the free seats, or among all seats (so some may be taken).
 */
export const scenarioArb = (namedAmong: "free" | "any"): FastCheck.Arbitrary<Scenario> =>
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

export const isFreeIn = (scenario: Scenario) => (candidate: SeatNumber) => !scenario.taken.has(candidate)
