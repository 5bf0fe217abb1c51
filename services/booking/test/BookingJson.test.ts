/**
 * The booking's encoded form written field by field (`BookingJson`, and the view of it the API
 * answers) is the Schema's: the same value and the same JSON text, for any booking.
 */
import { describe, expect, test } from "bun:test"
import { Arbitrary, FastCheck, Schema } from "effect"
import { BookingView, encodedView, viewOf } from "../src/api/BookingViews.ts"
import { Booking } from "../src/domain/Booking.ts"
import { encodedBooking } from "../src/domain/BookingJson.ts"

const bookings = Arbitrary.make(Booking)
const encodeBooking = Schema.encodeSync(Booking)
const encodeView = Schema.encodeSync(BookingView)

describe("BookingJson.encodedBooking", () => {
  test("property: the value and the JSON text Schema.encodeSync(Booking) gives, phone or none, owner or none, any status", () => {
    FastCheck.assert(
      FastCheck.property(bookings, (booking) => {
        expect(encodedBooking(booking)).toStrictEqual(encodeBooking(booking))
        expect(JSON.stringify(encodedBooking(booking))).toBe(JSON.stringify(encodeBooking(booking)))
      }),
      { numRuns: 300 },
    )
  })
})

describe("BookingViews.encodedView", () => {
  test("property: the value and the JSON text Schema.encodeSync(BookingView) gives for viewOf the booking", () => {
    FastCheck.assert(
      FastCheck.property(bookings, (booking) => {
        expect(encodedView(booking)).toStrictEqual(encodeView(viewOf(booking)))
        expect(JSON.stringify(encodedView(booking))).toBe(JSON.stringify(encodeView(viewOf(booking))))
      }),
      { numRuns: 300 },
    )
  })
})
