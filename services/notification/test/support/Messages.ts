/**
 * The messages the notification service acts on, about one booking of seats 12A and 12B whose
 * contact is Ada's email and phone unless a test gives another: the booking and payment events and
 * the `notification.send` command.
 */
import {
  BookingId,
  BookingReference,
  type Contact,
  Envelope,
  FlightId,
  Messages,
  PaymentId,
  RefundId,
  SeatNumber,
} from "@flight/contracts"
import { DateTime } from "effect"

export const email = "ada@example.com"
export const phone = "+447700900123"

/** A booking of seats 12A and 12B as the booking events carry it. */
export const booking = (contact: Contact = { email, phone }) => ({
  bookingId: BookingId.make(Bun.randomUUIDv7()),
  reference: BookingReference.make("X7K2QP"),
  flightId: FlightId.make(Bun.randomUUIDv7()),
  cabin: "economy" as const,
  seats: [SeatNumber.make("12A"), SeatNumber.make("12B")] as const,
  contact,
})
export type Booking = ReturnType<typeof booking>

export const bookingCreated = (b: Booking) =>
  Envelope.make(Messages.BookingCreated, {
    ...b,
    passengers: [
      { firstName: "Ada", lastName: "Lovelace", seat: b.seats[0] },
      { firstName: "Charles", lastName: "Babbage", seat: b.seats[1] },
    ] as never,
    total: { amount: 90_000, currency: "GBP" },
    holdExpiresAt: DateTime.unsafeMake("2026-11-26T12:15:00Z"),
  }, { source: "booking" })

export const bookingConfirmed = (b: Booking) =>
  Envelope.make(Messages.BookingConfirmed, { ...b, paymentId: PaymentId.make(Bun.randomUUIDv7()) }, { source: "booking" })

export const bookingCancelled = (b: Booking, reason: "customer" | "expired" | "flight-cancelled", paid: boolean) =>
  Envelope.make(Messages.BookingCancelled, { ...b, reason, paid }, { source: "booking" })

export const paymentProcessed = (b: Booking, status: "succeeded" | "failed", failureReason: string | null = null) =>
  Envelope.make(Messages.PaymentProcessed, {
    paymentId: PaymentId.make(Bun.randomUUIDv7()),
    bookingId: b.bookingId,
    status,
    amount: { amount: 90_000, currency: "GBP" },
    transactionId: status === "succeeded" ? "tx_1" : null,
    failureReason,
  }, { source: "payment" })

export const paymentRefunded = (b: Booking) =>
  Envelope.make(Messages.PaymentRefunded, {
    paymentId: PaymentId.make(Bun.randomUUIDv7()),
    bookingId: b.bookingId,
    refundId: RefundId.make(Bun.randomUUIDv7()),
    amount: { amount: 90_000, currency: "GBP" },
  }, { source: "payment" })

export const sendNotification = (template: string, data: Record<string, string | number | boolean | null>) =>
  Envelope.make(Messages.SendNotification, { channel: "email" as const, recipient: email, template, data }, { source: "booking" })
