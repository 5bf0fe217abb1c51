/** Cancelling a booking over HTTP: pending or confirmed, its seats free again; what cannot be cancelled. */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Option } from "effect"
import { bookingBody, bookingOf, seated, unknownId, uuidV7 } from "./support/BookingRequests.ts"
import { afterShortHold, apiTest, shortHold } from "./support/BookingRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("POST /api/bookings/{id}/cancel", () => {
  apiTest("cancels a pending booking: 200 status cancelled, reason customer, its seats free again", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A", "12B") }))
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["12A", "12B"])
      const answer = yield* api.cancel(booking.id)
      expect(answer.status).toBe(200)
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      expect(bookingOf(answer)).toMatchObject({ id: booking.id, status: "cancelled", cancellationReason: "customer", paymentId: null })
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
      expect(bookingOf(yield* api.get(booking.id))).toEqual(bookingOf(answer))
    }))

  apiTest("cancels a confirmed booking: 200 status cancelled, its sold seats free again", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A", "12B") }))
      const outcome = yield* api.confirm(booking)
      expect(outcome._tag).toBe("Confirmed")
      expect(yield* api.seatsIn(flightId, "sold")).toEqual(["12A", "12B"])
      const answer = yield* api.cancel(booking.id)
      expect(answer.status).toBe(200)
      expect(bookingOf(answer)).toMatchObject({ status: "cancelled", cancellationReason: "customer" })
      expect(bookingOf(answer).paymentId).toMatch(uuidV7)
      const states = yield* api.seatStates(flightId)
      expect(Object.values(states).every((state) => state === "free")).toBe(true)
    }))

  apiTest("cancelling a cancelled booking is a 409 booking-not-cancellable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expect((yield* api.cancel(booking.id)).status).toBe(200)
      expectProblem(yield* api.cancel(booking.id), 409, "booking-not-cancellable")
    }))

  apiTest("cancelling an expired booking is a 409 booking-not-cancellable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      yield* Effect.sleep(afterShortHold)
      expect(Option.isSome(yield* api.expire(booking.id))).toBe(true)
      expectProblem(yield* api.cancel(booking.id), 409, "booking-not-cancellable")
      expect(bookingOf(yield* api.get(booking.id)).status).toBe("expired")
    }), shortHold)

  apiTest("an unknown booking is a 404 booking-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.cancel(unknownId), 404, "booking-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.cancel("X7K2QP"), ["path.id"])
    }))
})
