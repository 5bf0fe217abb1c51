/** A booking's creation as the notification tests receive it: one seat, contact by email only. */
import { type AccountSubject, BookingId, Envelope, Messages } from "@flight/contracts"
import { SampleBooking } from "@flight/runtime/testing"
import { DateTime } from "effect"

const booking = (bookingId: BookingId) =>
  SampleBooking.created(bookingId, { amount: 45000, holdExpiresAt: DateTime.unsafeMake("2026-12-01T10:15:00Z") })

/** `booking.created` (version 1, which names no owner) of booking X7K2QP for Ada Lovelace (ada@example.com), seat 10A. */
export const bookingCreated = (bookingId: BookingId) => Envelope.make(Messages.BookingCreated, booking(bookingId), { source: "booking" })

/** The same booking's `booking.created` as booking produces it now (version 2): `owner` made it, or a guest (null). */
export const bookingCreatedV2 = (owner: AccountSubject | null, bookingId: BookingId = BookingId.make(Bun.randomUUIDv7())) =>
  Envelope.make(Messages.BookingCreatedV2, { ...booking(bookingId), owner }, { source: "booking" })
