/**
 * Creating a booking over HTTP: what `POST /api/bookings` answers (the pending booking, its seats and
 * total), the seats it chooses or is told, and what it refuses (seats taken, too many or no
 * passengers, a flight, cabin or seat that is not there, a cancelled flight).
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect } from "effect"
import { defaultHoldTtl } from "../src/main.ts"
import {
  bookingBody,
  bookingOf,
  businessFare,
  economyFare,
  economySeats,
  isoUtc,
  passengers,
  referencePattern,
  seated,
  unknownId,
  uuidV7,
} from "./support/BookingRequests.ts"
import { apiTest } from "./support/BookingRoutesApp.ts"

const { expectProblem, expectValidation, problemOf } = HttpAssertions

/** The row number and the letter of a seat. */
const rowAndLetter = (seat: string) => ({ row: Number(seat.slice(0, -1)), letter: seat.slice(-1) })

describe("POST /api/bookings", () => {
  apiTest("answers 201 with the pending booking: UUID v7 id, a 6-character reference, each passenger seated, total = fare × passengers, hold until now + TTL", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const before = Date.now()
      const answer = yield* api.post(bookingBody(flightId, { passengers: passengers(3) }))
      const after = Date.now()
      expect(answer.status).toBe(201)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      const booking = bookingOf(answer)
      expect(booking.id).toMatch(uuidV7)
      expect(booking.reference).toMatch(referencePattern)
      expect(booking).toMatchObject({
        status: "pending",
        flightId,
        cabin: "economy",
        contact: { email: "ada@example.com", phone: "+447700900123" },
        total: { amount: economyFare.amount * 3, currency: "GBP" },
        paymentId: null,
        cancellationReason: null,
      })
      expect(booking.passengers.map(({ firstName, lastName }) => ({ firstName, lastName }))).toEqual(passengers(3) as never)
      for (const passenger of booking.passengers) expect(economySeats).toContain(passenger.seat)
      expect(new Set(booking.passengers.map((passenger) => passenger.seat)).size).toBe(3)
      for (const time of [booking.holdExpiresAt, booking.createdAt, booking.updatedAt]) expect(time).toMatch(isoUtc)
      const createdAt = Date.parse(booking.createdAt)
      expect(createdAt).toBeGreaterThanOrEqual(before)
      expect(createdAt).toBeLessThanOrEqual(after)
      const ttl = Duration.toMillis(defaultHoldTtl)
      expect(Date.parse(booking.holdExpiresAt)).toBeGreaterThanOrEqual(before + ttl)
      expect(Date.parse(booking.holdExpiresAt)).toBeLessThanOrEqual(after + ttl)
      expect(Date.parse(booking.holdExpiresAt) - createdAt).toBe(ttl)
    }))

  apiTest("the total of a business booking is the business fare times the passengers", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { cabin: "business", passengers: passengers(2) }))
      expect(booking.total).toEqual({ amount: businessFare.amount * 2, currency: "GBP" })
      for (const passenger of booking.passengers) expect(["1A", "1C", "2A", "2C"]).toContain(passenger.seat)
    }))

  apiTest("the seats chosen for a party are adjacent in one row, and free before", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { passengers: seated("10B") }))
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(3) }))
      const seats = booking.passengers.map((passenger) => rowAndLetter(passenger.seat))
      expect(new Set(seats.map((seat) => seat.row)).size).toBe(1)
      const positions = seats.map((seat) => "ABCDEF".indexOf(seat.letter)).toSorted((a, b) => a - b)
      expect(positions[2]! - positions[0]!).toBe(2)
      expect(booking.passengers.map((passenger) => passenger.seat)).not.toContain("10B")
      expect(booking.passengers.map((passenger) => passenger.seat)).toEqual(["10C", "10D", "10E"])
    }))

  apiTest("named seats are given to the passengers who named them", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("14C", "17F") }))
      expect(booking.passengers).toEqual([
        { firstName: "Ada", lastName: "Lovelace", seat: "14C" },
        { firstName: "Charles", lastName: "Babbage", seat: "17F" },
      ])
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["14C", "17F"])
    }))

  apiTest("passengers without a seat are not given a seat another passenger of the party named", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, {
        passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "Babbage", seat: "10A" }],
      }))
      const [first, second] = booking.passengers
      expect(second?.seat).toBe("10A")
      expect(first?.seat).not.toBe("10A")
      expect(economySeats).toContain(first?.seat ?? "none")
    }))

  apiTest("two concurrent requests for the same named seat: one 201, one 409 seats-unavailable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const body = bookingBody(flightId, { passengers: seated("15A") })
      const answers = yield* Effect.all([api.post(body), api.post(body)], { concurrency: "unbounded" })
      expect(answers.map((answer) => answer.status).toSorted()).toEqual([201, 409])
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["15A"])
    }))

  apiTest("a named seat already held is a 409 seats-unavailable naming that seat, and holds nothing more", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12B", "12A") }))
      expectProblem(answer, 409, "seats-unavailable")
      expect(problemOf(answer).detail).toContain("12A")
      expect(problemOf(answer).detail).not.toContain("12B")
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["12A"])
    }))

  apiTest("more passengers than free seats in the cabin is a 409 seats-unavailable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { cabin: "business", passengers: passengers(3) }))
      const answer = yield* api.post(bookingBody(flightId, { cabin: "business", passengers: passengers(2) }))
      expectProblem(answer, 409, "seats-unavailable")
      expect(yield* api.seatsIn(flightId, "free", "business")).toHaveLength(1)
    }))

  apiTest("10 passengers is a 400 at body.passengers", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { passengers: passengers(10) })), ["body.passengers"])
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("9 passengers, the most in one booking, is a 201", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(9) }))
      expect(booking.passengers).toHaveLength(9)
      expect(booking.total.amount).toBe(economyFare.amount * 9)
    }))

  apiTest("no passengers is a 400 at body.passengers", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { passengers: [] })), ["body.passengers"])
    }))

  apiTest("a flight that is not on sale is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.post(bookingBody(unknownId)), 404, "flight-not-found")
    }))

  apiTest("a cabin the flight does not have is a 400 at body.cabin", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { cabin: "first" })), ["body.cabin"])
    }))

  apiTest("a cabin value that is not a cabin is a 400 at body.cabin", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { cabin: "galley" })), ["body.cabin"])
    }))

  apiTest("a named seat the cabin does not have is a 400 at body.passengers.N.seat of that passenger", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12A", "1A") }))
      expectValidation(answer, ["body.passengers.1.seat"])
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("the same seat named for two passengers is a 400 at the second passenger's seat", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12A", "12A") }))
      expectValidation(answer, ["body.passengers.1.seat"])
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("a malformed seat number is a 400 at body.passengers.N.seat", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { passengers: seated("a12") })), ["body.passengers.0.seat"])
    }))

  apiTest("a cancelled flight is a 409 flight-not-bookable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.cancelFlight(flightId)
      expectProblem(yield* api.post(bookingBody(flightId)), 409, "flight-not-bookable")
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("a cancelled flight cancels its bookings (reason flight-cancelled) and frees their seats", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      yield* api.cancelFlight(flightId)
      expect(bookingOf(yield* api.get(booking.id))).toMatchObject({ status: "cancelled", cancellationReason: "flight-cancelled" })
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))
})
