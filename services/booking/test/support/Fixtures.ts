/** Flights, hold requests and events the booking tests start from. */
import {
  BookingId,
  BookingReference,
  type Cabin,
  Envelope,
  FlightId,
  FlightNumber,
  Messages,
  PaymentId,
  SeatNumber,
} from "@flight/contracts"
import type { TokenVerifier } from "@flight/auth"
import { TestIssuer } from "@flight/auth/testing"
import { DateTime, Duration, Effect, Layer } from "effect"
import type * as GuestTokens from "../../src/infrastructure/GuestTokens.ts"
import { security } from "../../src/main.ts"
import { Owner, randomReference } from "../../src/domain/Booking.ts"
import type { HoldRequest } from "../../src/domain/BookingRepository.ts"
import { Holder, uncounted } from "../../src/domain/HoldLimit.ts"
import { FlightSeating } from "../../src/domain/SeatInventory.ts"

/** A flight on sale: economy rows 10-13 ABCDEF (24 seats, 450.00 GBP), business rows 1-2 AC (4, 2,500.00 GBP). */
export const seating = (overrides: Partial<ConstructorParameters<typeof FlightSeating>[0]> = {}) =>
  new FlightSeating({
    flightId: FlightId.make(Bun.randomUUIDv7()),
    flightNumber: FlightNumber.make("BA117"),
    departureAt: DateTime.unsafeMake("2026-12-01T10:00:00Z"),
    status: "scheduled",
    cabins: [
      { cabin: "economy", rows: { from: 10, to: 13 }, seatLetters: "ABCDEF", fare: { amount: 45000, currency: "GBP" } },
      { cabin: "business", rows: { from: 1, to: 2 }, seatLetters: "AC", fare: { amount: 250000, currency: "GBP" } },
    ],
    ...overrides,
  })

export const contact = { email: "ada@example.com", phone: "+447700900123" }

/** A hold request for `seats` (a named seat, or undefined for any), expiring after `ttl`. */
export const holdRequest = (
  flightId: FlightId,
  seats: ReadonlyArray<string | undefined>,
  options: {
    readonly cabin?: Cabin
    readonly ttl?: Duration.DurationInput
    /** The booking's id: a new one unless given (an id held before is answered, not held again). */
    readonly id?: BookingId
    /** The booking's reference: one drawn at random (and not reserved) unless given. */
    readonly reference?: BookingReference
    /** The customer making it; a guest's booking unless given. */
    readonly owner?: string
    /** Whom its seats count against (`kind:value`) and their limit; nobody unless given. */
    readonly holders?: ReadonlyArray<string>
    readonly maxHeldSeats?: number
  } = {},
) =>
  Effect.gen(function* () {
    const id = options.id ?? BookingId.make(Bun.randomUUIDv7())
    const reference = options.reference ?? randomReference()
    const now = yield* DateTime.now
    const holdExpiresAt = DateTime.addDuration(now, Duration.decode(options.ttl ?? "15 minutes"))
    const passengers = seats.map((seat, index) => ({
      firstName: `Passenger${index}`,
      lastName: index === 0 ? "Lovelace" : "Babbage",
      seat: seat === undefined ? undefined : SeatNumber.make(seat),
    }))
    const message = yield* Envelope.make(Messages.BookingCreatedV2, {
      bookingId: id,
      reference,
      flightId,
      cabin: options.cabin ?? "economy",
      seats: passengers.map((passenger) => passenger.seat ?? SeatNumber.make("1A")) as never,
      passengers: passengers.map((passenger) => ({ ...passenger, seat: passenger.seat ?? SeatNumber.make("1A") })) as never,
      contact,
      total: { amount: 0, currency: "GBP" },
      holdExpiresAt,
      owner: options.owner ?? null,
    }, { source: "booking", correlationId: id })
    return {
      id,
      reference,
      flightId,
      cabin: options.cabin ?? "economy",
      passengers,
      contact,
      owner: options.owner === undefined ? null : Owner.make(options.owner),
      holdExpiresAt,
      now,
      event: { message, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
      total: { amount: (options.cabin === "business" ? 250000 : 45000) * passengers.length, currency: "GBP" },
      limit: {
        holders: (options.holders ?? uncounted.holders).map((holder) => Holder.make(holder)),
        maxSeats: options.maxHeldSeats ?? uncounted.maxSeats,
      },
    } satisfies HoldRequest
  })

export const paymentId = () => PaymentId.make(Bun.randomUUIDv7())

export const confirmedEvent = (booking: { readonly id: BookingId; readonly flightId: FlightId; readonly cabin: Cabin }, payment: PaymentId) =>
  Effect.map(
    Envelope.make(Messages.BookingConfirmed, {
      bookingId: booking.id,
      reference: BookingReference.make("X7K2QP"),
      flightId: booking.flightId,
      cabin: booking.cabin,
      seats: [SeatNumber.make("10A")],
      paymentId: payment,
      contact,
    }, { source: "booking" }),
    (message) => ({ message, traceparent: null }),
  )

export const cancelledEvent = (
  booking: { readonly id: BookingId; readonly flightId: FlightId; readonly cabin: Cabin },
  reason: "customer" | "expired" | "flight-cancelled",
) =>
  Effect.map(
    Envelope.make(Messages.BookingCancelled, {
      bookingId: booking.id,
      reference: BookingReference.make("X7K2QP"),
      flightId: booking.flightId,
      cabin: booking.cabin,
      seats: [SeatNumber.make("10A")],
      reason,
      paid: false,
      contact,
    }, { source: "booking" }),
    (message) => ({ message, traceparent: null }),
  )

/** A Redis key prefix of its own for a test file on a shared Redis (see `deletePrefix`). */
export const testPrefix = () => `booking-test-${Bun.randomUUIDv7().slice(-12)}`

/** Deletes every key under a test's prefix. */
export const deletePrefix = async (url: string, prefix: string) => {
  const { Redis } = await import("ioredis")
  const client = new Redis(url)
  try {
    let cursor = "0"
    do {
      const [next, found] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000)
      if (found.length > 0) await client.del(...found)
      cursor = next
    } while (cursor !== "0")
  } finally {
    client.disconnect()
  }
}

/**
 * A test issuer of identity's tokens and the booking service's own guest issuer, verified as the
 * service verifies them: identity's keys over HTTP, its own guest keys in the process.
 */
export const testSecurity = (): Layer.Layer<TestIssuer.Issuer | GuestTokens.GuestTokens | TokenVerifier.TokenVerifier> =>
  Layer.unwrapScoped(Effect.map(TestIssuer.make(), (issuer) => Layer.merge(Layer.succeed(TestIssuer.Issuer, issuer), security(issuer.settings))))
