/**
 * Reading a booking over HTTP: by its id, and by its reference and a passenger's last name (which
 * reveals nothing when either is wrong).
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { bookingBody, bookingOf, passengers, unknownId, withoutToken } from "./support/BookingRequests.ts"
import { apiTest } from "./support/BookingRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions

// -------------------------------------------------------------------------------------------------
// GET /api/bookings/{id}

describe("GET /api/bookings/{id}", () => {
  apiTest("answers 200 with the booking as created", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(2) }))
      const answer = yield* api.get(booking.id)
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.body).toEqual(withoutToken(booking))
    }))

  apiTest("an unknown id is a 404 booking-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.get(unknownId), 404, "booking-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("X7K2QP"), ["path.id"])
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /api/bookings?reference=&lastName=

describe("GET /api/bookings?reference=&lastName=", () => {
  /** A reference of the alphabet that is not this one. */
  const otherReference = (reference: string) => (reference === "X7K2QP" ? "X7K2QR" : "X7K2QP")

  apiTest("answers 200 with the booking when the last name of its passenger matches", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const answer = yield* api.find({ reference: booking.reference, lastName: "Lovelace" })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual(withoutToken(booking))
    }))

  apiTest("the last name matches whatever its case", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      for (const lastName of ["lovelace", "LOVELACE", "lOvElAcE"]) {
        const answer = yield* api.find({ reference: booking.reference, lastName })
        expect(answer.status).toBe(200)
        expect(bookingOf(answer).id).toBe(booking.id)
      }
    }))

  apiTest("the last name of any passenger of the party matches", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(3) }))
      for (const lastName of ["Babbage", "somerville"]) {
        const answer = yield* api.find({ reference: booking.reference, lastName })
        expect(answer.status).toBe(200)
        expect(bookingOf(answer).id).toBe(booking.id)
      }
    }))

  apiTest("a wrong last name is a 404 with the same body as an unknown reference (it reveals nothing)", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const wrongName = yield* api.find({ reference: booking.reference, lastName: "Babbage" })
      const unknownReference = yield* api.find({ reference: otherReference(booking.reference), lastName: "Lovelace" })
      expectProblem(wrongName, 404, "booking-not-found")
      expectProblem(unknownReference, 404, "booking-not-found")
      expect(wrongName.body).toEqual(unknownReference.body)
      expect(JSON.stringify(wrongName.body)).not.toContain(booking.reference)
      expect(JSON.stringify(wrongName.body)).not.toContain(booking.id)
    }))

  apiTest("a missing lastName is a 400 at query.lastName", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expectValidation(yield* api.find({ reference: booking.reference }), ["query.lastName"])
    }))

  apiTest("a last name with a control character or a bidi override is a 400 at query.lastName", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      for (const lastName of ["Love\u0000lace", "\u202eLovelace"]) {
        expectValidation(yield* api.find({ reference: booking.reference, lastName }), ["query.lastName"])
      }
    }))

  apiTest("a malformed reference is a 400 at query.reference", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.find({ reference: "X7K2Q0", lastName: "Lovelace" }), ["query.reference"])
    }))

  apiTest("an unknown query parameter is a 400 at its path", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expectValidation(yield* api.find({ reference: booking.reference, lastName: "Lovelace", email: "ada@example.com" }), [
        "query.email",
      ])
    }))
})
