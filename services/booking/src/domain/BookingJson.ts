/**
 * A booking's encoded form written field by field: what `Schema.encodeSync(Booking)` answers, same
 * fields in the same order, for a booking whose fields already hold values of their types (every
 * `Booking` does: decoded, or built by a transition from one). The Schema's encoder checks each
 * field again on the way out; on the path of every new booking that check cost about a tenth of a
 * millisecond of CPU (the booking sent to the hold script, the created booking answered).
 */
import type { Contact, Passenger } from "@flight/contracts"
import { DateTime, type Schema } from "effect"
import type { Booking } from "./Booking.ts"

export type EncodedBooking = Schema.Schema.Encoded<typeof Booking>

const encodedContact = (contact: Contact): Schema.Schema.Encoded<typeof Contact> =>
  // As Contact's encoder: a phone left undefined is left out.
  contact.phone === undefined ? { email: contact.email } : { email: contact.email, phone: contact.phone }

const encodedPassenger = (passenger: Passenger): Schema.Schema.Encoded<typeof Passenger> => ({
  firstName: passenger.firstName,
  lastName: passenger.lastName,
  seat: passenger.seat,
})

export const encodedBooking = (booking: Booking): EncodedBooking => ({
  id: booking.id,
  reference: booking.reference,
  flightId: booking.flightId,
  cabin: booking.cabin,
  passengers: booking.passengers.map(encodedPassenger) as unknown as EncodedBooking["passengers"],
  contact: encodedContact(booking.contact),
  total: { amount: booking.total.amount, currency: booking.total.currency },
  status: booking.status,
  holdExpiresAt: DateTime.formatIso(booking.holdExpiresAt),
  paymentId: booking.paymentId,
  cancellationReason: booking.cancellationReason,
  createdAt: DateTime.formatIso(booking.createdAt),
  updatedAt: DateTime.formatIso(booking.updatedAt),
  owner: booking.owner,
})
