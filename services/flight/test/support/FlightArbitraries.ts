/** Random cabin layouts and valid schedules (disjoint rows, in any order) for the flight domain's properties. */
import type { Cabin, CabinLayout } from "@flight/contracts"
import { FastCheck } from "effect"
import { type CabinInput, hour, type ScheduleInput } from "./FlightSchedules.ts"

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
export const layoutArb: FastCheck.Arbitrary<CabinLayout> = FastCheck.record({
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

export const scheduleInputArb: FastCheck.Arbitrary<ScheduleInput> = FastCheck.record({
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
