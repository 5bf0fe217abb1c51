/**
 * The flight routes' wire as the route tests speak it: the schedule a client sends (its cabins and
 * fares) and the flights and pages read back.
 */
import { HttpAssertions, SampleFlight } from "@flight/runtime/testing"
import type { FlightView } from "../../src/api/FlightViews.ts"

// -------------------------------------------------------------------------------------------------
// Wire shapes

/** A flight as the API answers it: what `FlightView` encodes, its status read as any string. */
export type FlightJson = Omit<typeof FlightView.Encoded, "status"> & { readonly status: string }

export interface PageJson {
  readonly items: ReadonlyArray<FlightJson>
  readonly nextCursor: string | null
}

export type Answer = HttpAssertions.Answer

export const flightOf = (answer: Answer) => answer.body as FlightJson
export const pageOf = (answer: Answer) => answer.body as PageJson

export const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

// -------------------------------------------------------------------------------------------------
// Request bodies

export type Json = Record<string, unknown>

/** A cabin of a request body, its fare in GBP; fields overridable. */
const cabinBody = (cabin: string, rows: { readonly from: number; readonly to: number }, seatLetters: string, amount: number) =>
(overrides: Json = {}): Json => ({ cabin, rows, seatLetters, fare: { amount, currency: "GBP" }, ...overrides })

export const economy = cabinBody("economy", { from: 10, to: 39 }, "ABCDEF", 45_000)
export const business = cabinBody("business", { from: 1, to: 5 }, "ACDF", 250_000)
export const first = cabinBody("first", { from: 1, to: 1 }, "AB", 900_000)

/** A valid schedule request: `SampleFlight` (BA117 LHR→JFK on 2026-12-01), economy and business; fields overridable. */
export const scheduleBody = (overrides: Json = {}): Json => ({
  ...SampleFlight.ba117,
  aircraft: "Boeing 777-300ER",
  cabins: [economy(), business({ rows: { from: 1, to: 5 } })],
  ...overrides,
})

/** The body without some of its fields. */
export const without = (body: Json, ...fields: ReadonlyArray<string>): Json =>
  Object.fromEntries(Object.entries(body).filter(([key]) => !fields.includes(key)))

export const unknownId = "01930b2c-7d3e-7a4b-8c5d-6e7f8a9b0c1d"

export const lhrJfk = { origin: "LHR", destination: "JFK" }
