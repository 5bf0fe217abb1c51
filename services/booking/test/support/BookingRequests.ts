/**
 * The booking routes' wire as the route tests speak it: the request bodies a client sends (a cast of
 * passengers, the flight's cabins and fares) and the answers read back (a booking, a seat map).
 */
import { HttpAssertions } from "@flight/runtime/testing"

// -------------------------------------------------------------------------------------------------
// Wire shapes

interface PassengerJson {
  readonly firstName: string
  readonly lastName: string
  readonly seat: string
}

export interface BookingJson {
  readonly id: string
  readonly reference: string
  readonly status: string
  readonly flightId: string
  readonly cabin: string
  readonly passengers: ReadonlyArray<PassengerJson>
  readonly contact: { readonly email: string; readonly phone?: string }
  readonly total: { readonly amount: number; readonly currency: string }
  readonly holdExpiresAt: string
  readonly paymentId: string | null
  readonly cancellationReason: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

interface SeatMapJson {
  readonly flightId: string
  readonly cabin: string
  readonly seats: ReadonlyArray<{ readonly seat: string; readonly state: string }>
}

export type Answer = HttpAssertions.Answer

export const bookingOf = (answer: Answer) => answer.body as BookingJson
export const seatMapOf = (answer: Answer) => answer.body as SeatMapJson

/** A booking as GET answers it: as created, without the token the 201 adds. */
export const withoutToken = (created: object) => {
  const { accessToken: _, ...view } = created as Record<string, unknown>
  return view
}

export const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const referencePattern = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/
export const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export const unknownId = "01930b2c-7d3e-7a4b-8c5d-6e7f8a9b0c1d"

// -------------------------------------------------------------------------------------------------
// The flight on sale and request bodies

export type Json = Record<string, unknown>

export const economyFare = { amount: 45_000, currency: "GBP" }
export const businessFare = { amount: 250_000, currency: "GBP" }

/** Economy rows 10-19 ABCDEF (60 seats), business rows 1-2 AC (4 seats); no premium, no first. */
export const cabins = [
  { cabin: "economy", rows: { from: 10, to: 19 }, seatLetters: "ABCDEF", fare: economyFare },
  { cabin: "business", rows: { from: 1, to: 2 }, seatLetters: "AC", fare: businessFare },
]

/** Every economy seat, row by row, in letter order. */
export const economySeats = Array.from({ length: 10 }, (_, row) => Array.from("ABCDEF", (letter) => `${row + 10}${letter}`)).flat()

const names = [
  ["Ada", "Lovelace"],
  ["Charles", "Babbage"],
  ["Mary", "Somerville"],
  ["Alan", "Turing"],
  ["Grace", "Hopper"],
  ["Edsger", "Dijkstra"],
  ["Barbara", "Liskov"],
  ["Donald", "Knuth"],
  ["Margaret", "Hamilton"],
  ["John", "McCarthy"],
] as const

/** The first `count` passengers of the cast, without seats. */
export const passengers = (count: number): Array<Json> =>
  Array.from({ length: count }, (_, index) => {
    const [firstName, lastName] = names[index % names.length]!
    return { firstName, lastName }
  })

/** Passengers who name these seats. */
export const seated = (...seats: ReadonlyArray<string>): Array<Json> =>
  passengers(seats.length).map((passenger, index) => ({ ...passenger, seat: seats[index] }))

/** A valid booking request: one economy passenger, Ada Lovelace, with email and phone; fields overridable. */
export const bookingBody = (flightId: string, overrides: Json = {}): Json => ({
  flightId,
  cabin: "economy",
  passengers: passengers(1),
  contact: { email: "ada@example.com", phone: "+447700900123" },
  ...overrides,
})
