/** The booking events and the fresh databases the payment tests and benchmark start from. */
import { Principal } from "@flight/auth"
import { AccountSubject, type BookingId, BookingReference, Envelope, FlightId, Messages, SeatNumber } from "@flight/contracts"
import { Postgres, SampleBooking } from "@flight/runtime/testing"
import { DateTime, Duration, Effect } from "effect"

/** The holder of the booking's guest token: it may pay the booking whoever owns it (`PaymentAccess.payerOf`). */
export const guestOf = (bookingId: BookingId) => new Principal.GuestBooking({ sub: `guest:${bookingId}`, bookingId })

/** `booking.created` version 1, as a booking service before owners sends it: no owner. */
export const bookingCreated = (bookingId: BookingId, amount = 90000, holdFor: Duration.DurationInput = "15 minutes") =>
  Effect.flatMap(DateTime.now, (now) =>
    Envelope.make(Messages.BookingCreated, dataOf(bookingId, amount, holdFor, now), { source: "booking" }))

/** `booking.created` version 2, as booking sends it now: `owner` the account's `sub`, null for a guest. */
export const bookingCreatedBy = (
  owner: string | null,
  bookingId: BookingId,
  amount = 90000,
  holdFor: Duration.DurationInput = "15 minutes",
) =>
  Effect.flatMap(DateTime.now, (now) =>
    Envelope.make(Messages.BookingCreatedV2, {
      ...dataOf(bookingId, amount, holdFor, now),
      owner: owner === null ? null : AccountSubject.make(owner),
    }, { source: "booking" }))

const dataOf = (bookingId: BookingId, amount: number, holdFor: Duration.DurationInput, now: DateTime.Utc) =>
  SampleBooking.created(bookingId, { amount, holdExpiresAt: DateTime.addDuration(now, Duration.decode(holdFor)) })

export const bookingCancelled = (bookingId: BookingId, reason: "customer" | "expired" = "customer") =>
  Envelope.make(Messages.BookingCancelled, {
    bookingId,
    reference: BookingReference.make("X7K2QP"),
    flightId: FlightId.make(Bun.randomUUIDv7()),
    cabin: "economy",
    seats: [SeatNumber.make("10A")],
    reason,
    paid: false,
    contact: { email: "ada@example.com" },
  }, { source: "booking" })

export const render = (payment: { readonly id: string; readonly status: string }) => JSON.stringify({ id: payment.id, status: payment.status })

/** A fresh database for a payment test (see `Postgres.freshDatabase`), dropped when the scope closes. */
export const freshDatabase = (url: string, prefix = "payment_test") => Postgres.freshDatabase(url, prefix)
