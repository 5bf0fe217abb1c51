/**
 * The validation of a booking request: each field `POST /api/bookings` refuses is named in the 400
 * (the contact, the passengers' names, unknown and missing fields), and names in any script pass.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { bookingBody } from "./support/BookingRequests.ts"
import { apiTest } from "./support/BookingRoutesApp.ts"

const { expectValidation, problemOf } = HttpAssertions

describe("POST /api/bookings", () => {
  describe("validation", () => {
    apiTest("a bad email is a 400 at body.contact.email", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, { contact: { email: "ada-at-example.com" } }))
        expectValidation(answer, ["body.contact.email"])
      }))

    apiTest("a phone number that is not E.164 is a 400 at body.contact.phone", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, { contact: { email: "ada@example.com", phone: "07700 900123" } }))
        expectValidation(answer, ["body.contact.phone"])
      }))

    apiTest("a contact without a phone is accepted, and answered without one", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const booking = yield* api.book(bookingBody(flightId, { contact: { email: "ada@example.com" } }))
        expect(booking.contact).toEqual({ email: "ada@example.com" })
      }))

    apiTest("an empty last name is a 400 at body.passengers.N.lastName", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, {
          passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "" }],
        }))
        expectValidation(answer, ["body.passengers.1.lastName"])
      }))

    apiTest("a name or an email with a control character, an ANSI escape, a bidi override or a lone surrogate is a 400 naming the field, and holds no seat", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const ada = { firstName: "Ada", lastName: "Lovelace" }
        for (const [overrides, path] of [
          [{ passengers: [{ ...ada, firstName: "\u0000" }] }, "body.passengers.0.firstName"],
          [{ passengers: [{ ...ada, lastName: "Smi\u0000th" }] }, "body.passengers.0.lastName"],
          [{ passengers: [ada, { firstName: "X\u0007\u001b[31mY", lastName: "Babbage" }] }, "body.passengers.1.firstName"],
          [{ passengers: [{ ...ada, lastName: "\u202eevil" }] }, "body.passengers.0.lastName"],
          [{ passengers: [{ ...ada, lastName: "Love\nlace" }] }, "body.passengers.0.lastName"],
          [{ passengers: [{ ...ada, firstName: "A\udfff" }] }, "body.passengers.0.firstName"],
          [{ contact: { email: "x\u0000y@example.com" } }, "body.contact.email"],
        ] as const) {
          const answer = yield* api.post(bookingBody(flightId, overrides))
          expectValidation(answer, [path])
          expect(problemOf(answer).errors?.[0]?.message).toMatch(/^must .* \(U\+[0-9A-F]{4} at \d+\)$/)
        }
        expect(yield* api.seatsIn(flightId, "held")).toEqual([])
      }))

    apiTest("names in any script, with accents, emoji and right-to-left marks, are booked and answered as given", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const passengers = [
          { firstName: "Zoë", lastName: "Nguyễn" },
          { firstName: "小龍", lastName: "李" },
          { firstName: "\u200Fمحمد", lastName: "عبد الله" },
          { firstName: "Ada 🙂", lastName: "O'Brien-Łukasz" },
        ]
        const booking = yield* api.book(bookingBody(flightId, { passengers }))
        expect(booking.passengers.map(({ firstName, lastName }) => ({ firstName, lastName }))).toEqual(passengers)
      }))

    apiTest("an unknown body field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        expectValidation(yield* api.post(bookingBody(flightId, { promoCode: "FREE" })), ["body.promoCode"])
      }))

    apiTest("an unknown passenger field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, { passengers: [{ firstName: "Ada", lastName: "Lovelace", age: 36 }] }))
        expectValidation(answer, ["body.passengers.0.age"])
      }))

    apiTest("a malformed flightId is a 400 at body.flightId", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(bookingBody("BA117")), ["body.flightId"])
      }))

    apiTest("a missing field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const { contact: _, ...body } = bookingBody(flightId)
        expectValidation(yield* api.post(body), ["body.contact"])
      }))

    apiTest("several bad fields are reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(bookingBody("not-a-flight", {
          passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "" }],
          contact: { email: "ada", phone: "12345" },
          promoCode: "FREE",
        }))
        expectValidation(answer, [
          "body.flightId",
          "body.passengers.1.lastName",
          "body.contact.email",
          "body.contact.phone",
          "body.promoCode",
        ])
      }))

    apiTest("no body at all is a 400 at body", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.send("POST", "/api/bookings"), ["body"])
      }))
  })
})
