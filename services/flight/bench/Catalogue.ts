/**
 * The catalogue the search benchmarks search: flights over ROUTES routes and DAYS days from
 * 2027-01-01 (about 4 a route a day for 50,000 flights), three cabin layouts of 1, 2 and 4 cabins,
 * and the searches asked of it. Deterministic: every run schedules and asks the same.
 */
import { Schema } from "effect"
import * as Flight from "../src/domain/Flight.ts"

export const ROUTES = 200
export const DAYS = 60

const airports = ["LHR", "JFK", "CDG", "FRA", "AMS", "MAD", "BCN", "FCO", "DXB", "SIN", "HND", "LAX", "SFO", "ORD", "ATL",
  "YYZ", "GRU", "SYD", "HKG", "IST"]

export const routes: ReadonlyArray<readonly [string, string]> = airports
  .flatMap((origin) => airports.filter((destination) => destination !== origin).map((destination) => [origin, destination] as const))
  .slice(0, ROUTES)

const firstDay = Date.parse("2027-01-01T00:00:00Z")
export const dayOf = (index: number) => new Date(firstDay + index * 86_400_000).toISOString().slice(0, 10)

/** A deterministic pseudo-random sequence, so every run searches the same catalogue the same way. */
export const random = (() => {
  let seed = 42
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
})()

const layouts = [
  [{ cabin: "economy", rows: { from: 10, to: 40 }, seatLetters: "ABCDEF", fare: { amount: 12_900, currency: "EUR" } }],
  [
    { cabin: "business", rows: { from: 1, to: 6 }, seatLetters: "ACDF", fare: { amount: 89_000, currency: "EUR" } },
    { cabin: "economy", rows: { from: 10, to: 45 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45_000, currency: "EUR" } },
  ],
  [
    { cabin: "first", rows: { from: 1, to: 2 }, seatLetters: "AK", fare: { amount: 650_000, currency: "EUR" } },
    { cabin: "business", rows: { from: 5, to: 12 }, seatLetters: "ACDGHK", fare: { amount: 280_000, currency: "EUR" } },
    { cabin: "premium", rows: { from: 20, to: 26 }, seatLetters: "ACDEFGK", fare: { amount: 120_000, currency: "EUR" } },
    { cabin: "economy", rows: { from: 30, to: 60 }, seatLetters: "ABCDEFGHJK", fare: { amount: 52_000, currency: "EUR" } },
  ],
]

const decodeSchedule = Schema.decodeUnknownSync(Flight.FlightSchedule)

/** `count` flights, route after route, day after day, at a random minute, 2 to 13 hours long. */
export const schedules = (count: number): ReadonlyArray<Flight.FlightSchedule> =>
  Array.from({ length: count }, (_, index) => {
    const [origin, destination] = routes[index % ROUTES]!
    const day = Math.floor(index / ROUTES) % DAYS
    const departure = firstDay + day * 86_400_000 + Math.floor(random() * 86_400_000 / 60_000) * 60_000
    return decodeSchedule({
      flightNumber: `FB${index % 10_000}${"ABCDEFGHJK"[Math.floor(index / 10_000)] ?? ""}`,
      origin,
      destination,
      departureAt: new Date(departure).toISOString(),
      arrivalAt: new Date(departure + (2 + Math.floor(random() * 12)) * 3_600_000).toISOString(),
      aircraft: "Airbus A350-900",
      cabins: layouts[index % layouts.length],
    })
  })

/** A search: a random route, day, cabin (half economy) and party of 1 to 4, as a path and query. */
export const searchPath = (): string => {
  const [origin, destination] = routes[Math.floor(random() * ROUTES)]!
  const cabin = ["economy", "economy", "economy", "business", "premium", "first"][Math.floor(random() * 6)]!
  const passengers = 1 + Math.floor(random() * 4)
  return `/api/flights?origin=${origin}&destination=${destination}&date=${dayOf(Math.floor(random() * DAYS))}&cabin=${cabin}&passengers=${passengers}`
}
