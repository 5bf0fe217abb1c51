/** Random cabins and seat picks for the seat inventory's property and model tests. */
import type { CabinLayout } from "@flight/contracts"
import { FastCheck } from "effect"

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
