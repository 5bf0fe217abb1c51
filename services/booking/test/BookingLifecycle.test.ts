/**
 * The booking's lifecycle (DESIGN.md §3): every pair of statuses allowed or refused as the table
 * says, the hold's end for confirm and expire, and what each transition records.
 */
import { describe, expect, test } from "bun:test"
import { SeatNumber } from "@flight/contracts"
import { DateTime, Either, FastCheck } from "effect"
import {
  allowedTransitions,
  Booking,
  type BookingStatus,
  cancel,
  confirm,
  expire,
  HoldExpired,
  InvalidTransition,
  isPaid,
  seatsOf,
  takesSeats,
} from "../src/domain/Booking.ts"
import { after, bookingId, bookingIn, createdAt, during, holdExpiresAt, paymentId, statuses } from "./support/Bookings.ts"
import { expectLeft, expectRight } from "./support/Results.ts"

const minute = 60 * 1000

/** The transition table of DESIGN.md §3, all 16 pairs written out. */
const table: ReadonlyArray<readonly [from: BookingStatus, to: BookingStatus, allowed: boolean]> = [
  ["pending", "pending", false],
  ["pending", "confirmed", true],
  ["pending", "cancelled", true],
  ["pending", "expired", true],
  ["confirmed", "pending", false],
  ["confirmed", "confirmed", false],
  ["confirmed", "cancelled", true],
  ["confirmed", "expired", false],
  ["cancelled", "pending", false],
  ["cancelled", "confirmed", false],
  ["cancelled", "cancelled", false],
  ["cancelled", "expired", false],
  ["expired", "pending", false],
  ["expired", "confirmed", false],
  ["expired", "cancelled", false],
  ["expired", "expired", false],
]

/**
 * Tries to move a booking to `to` with the function that does it, at the time that function needs
 * (confirm and cancel inside the hold, expire after it). There is no function to make a booking pending.
 */
const attempt = (booking: Booking, to: BookingStatus): Either.Either<Booking, InvalidTransition | HoldExpired> | undefined => {
  switch (to) {
    case "pending":
      return undefined
    case "confirmed":
      return confirm(booking, paymentId, during)
    case "cancelled":
      return cancel(booking, "customer", during)
    case "expired":
      return expire(booking, after)
  }
}

describe("booking lifecycle", () => {
  test("the transition table covers all 16 pairs of statuses, and allowedTransitions says the same", () => {
    expect(table).toHaveLength(16)
    expect(new Set(table.map(([from, to]) => `${from}->${to}`)).size).toBe(16)
    for (const [from, to, allowed] of table) {
      expect({ from, to, allowed: allowedTransitions[from].includes(to) }).toEqual({ from, to, allowed })
    }
  })

  for (const [from, to, allowed] of table) {
    test(`${from} -> ${to} is ${allowed ? "allowed" : "refused"}`, () => {
      const booking = bookingIn(from)
      const result = attempt(booking, to)
      if (result === undefined) {
        // Nothing makes a booking pending again: no function returns a pending booking from any status.
        expect(allowed).toBe(false)
        for (const target of ["confirmed", "cancelled", "expired"] as const) {
          const other = attempt(booking, target)
          if (other !== undefined && Either.isRight(other)) expect(other.right.status).not.toBe("pending")
        }
        return
      }
      if (allowed) {
        const moved = expectRight(result)
        expect(moved.status).toBe(to)
        expect(moved.id).toBe(booking.id)
      } else {
        const error = expectLeft(result)
        expect(error).toBeInstanceOf(InvalidTransition)
        expect(error).toMatchObject({ _tag: "InvalidTransition", id: bookingId, from, to })
      }
      // The booking itself is a value: a transition never changes it.
      expect(booking.status).toBe(from)
    })
  }

  test("a pending booking cannot expire before its hold runs out, and expires exactly when it does", () => {
    const pending = bookingIn("pending")
    for (const now of [createdAt, during, DateTime.unsafeMake("2026-12-01T10:14:59.999Z")]) {
      const error = expectLeft(expire(pending, now))
      expect(error).toBeInstanceOf(InvalidTransition)
      expect(error).toMatchObject({ from: "pending", to: "expired" })
    }
    expect(expectRight(expire(pending, holdExpiresAt)).status).toBe("expired")
    expect(expectRight(expire(pending, after)).status).toBe("expired")
  })

  test("confirm at or after holdExpiresAt fails with HoldExpired", () => {
    const pending = bookingIn("pending")
    for (const now of [holdExpiresAt, DateTime.unsafeMake("2026-12-01T10:15:00.001Z"), after]) {
      const error = expectLeft(confirm(pending, paymentId, now))
      expect(error).toBeInstanceOf(HoldExpired)
      expect(error).toMatchObject({ _tag: "HoldExpired", id: bookingId })
      expect(DateTime.Equivalence((error as HoldExpired).holdExpiresAt, holdExpiresAt)).toBe(true)
      expect(error.message).toContain("2026-12-01T10:15:00")
    }
    // One millisecond before the end is still in time.
    expect(expectRight(confirm(pending, paymentId, DateTime.unsafeMake("2026-12-01T10:14:59.999Z"))).status).toBe("confirmed")
  })

  test("a booking that is not pending answers InvalidTransition to confirm, inside or after the hold", () => {
    for (const status of ["confirmed", "cancelled", "expired"] as const) {
      for (const now of [during, holdExpiresAt, after]) {
        const error = expectLeft(confirm(bookingIn(status), paymentId, now))
        expect(error).toBeInstanceOf(InvalidTransition)
        expect(error).toMatchObject({ from: status, to: "confirmed" })
      }
    }
  })

  test("confirm sets the paymentId and updatedAt, and keeps everything else", () => {
    const pending = bookingIn("pending")
    const confirmed = expectRight(confirm(pending, paymentId, during))
    expect(confirmed).toBeInstanceOf(Booking)
    expect(confirmed.status).toBe("confirmed")
    expect(confirmed.paymentId).toBe(paymentId)
    expect(DateTime.Equivalence(confirmed.updatedAt, during)).toBe(true)
    expect(DateTime.Equivalence(confirmed.createdAt, createdAt)).toBe(true)
    expect(DateTime.Equivalence(confirmed.holdExpiresAt, holdExpiresAt)).toBe(true)
    expect(confirmed.reference).toBe(pending.reference)
    expect(confirmed.passengers).toEqual(pending.passengers)
    expect(confirmed.total).toEqual(pending.total)
    expect(confirmed.cancellationReason).toBeNull()
    expect(pending.paymentId).toBeNull()
  })

  test("cancel records the reason and the time, from pending or confirmed", () => {
    for (const from of ["pending", "confirmed"] as const) {
      for (const reason of ["customer", "flight-cancelled"] as const) {
        const cancelled = expectRight(cancel(bookingIn(from), reason, after))
        expect(cancelled.status).toBe("cancelled")
        expect(cancelled.cancellationReason).toBe(reason)
        expect(DateTime.Equivalence(cancelled.updatedAt, after)).toBe(true)
        // A confirmed booking keeps its payment, so a refund can be found.
        expect(cancelled.paymentId).toBe(from === "confirmed" ? paymentId : null)
      }
    }
  })

  test("expire records \"expired\" as the reason and the time", () => {
    const expired = expectRight(expire(bookingIn("pending"), after))
    expect(expired.status).toBe("expired")
    expect(expired.cancellationReason).toBe("expired")
    expect(expired.paymentId).toBeNull()
    expect(DateTime.Equivalence(expired.updatedAt, after)).toBe(true)
  })

  test("isPaid: true once a payment confirmed it, also after a cancel; false otherwise", () => {
    const pending = bookingIn("pending")
    const confirmed = expectRight(confirm(pending, paymentId, during))
    expect(isPaid(pending)).toBe(false)
    expect(isPaid(confirmed)).toBe(true)
    expect(isPaid(expectRight(cancel(confirmed, "flight-cancelled", after)))).toBe(true)
    expect(isPaid(expectRight(cancel(pending, "customer", during)))).toBe(false)
    expect(isPaid(expectRight(expire(pending, after)))).toBe(false)
  })

  test("takesSeats: a pending or confirmed booking takes its seats, a cancelled or expired one does not", () => {
    expect(statuses.map((status) => [status, takesSeats(bookingIn(status))])).toEqual([
      ["pending", true],
      ["confirmed", true],
      ["cancelled", false],
      ["expired", false],
    ])
    expect(seatsOf(bookingIn("pending"))).toEqual([SeatNumber.make("1A"), SeatNumber.make("1B")])
  })

  test("property: any operation at any time does what the table and the hold say", () => {
    type Operation = "confirm" | "cancel" | "expire"
    FastCheck.assert(
      FastCheck.property(
        FastCheck.constantFrom(...statuses),
        FastCheck.array(FastCheck.tuple(FastCheck.constantFrom<Operation>("confirm", "cancel", "expire"), FastCheck.integer({ min: -30, max: 30 })), { maxLength: 6 }),
        (initial, operations) => {
          let booking = bookingIn(initial)
          for (const [operation, offset] of operations) {
            const now = DateTime.unsafeMake(DateTime.toEpochMillis(holdExpiresAt) + offset * minute)
            const inTime = offset < 0
            const from = booking.status
            const result = operation === "confirm"
              ? confirm(booking, paymentId, now)
              : operation === "cancel"
              ? cancel(booking, "customer", now)
              : expire(booking, now)
            // The model: the table, plus the hold for confirm and expire of a pending booking.
            const expected: BookingStatus | "HoldExpired" | "InvalidTransition" = operation === "confirm"
              ? from === "pending" ? (inTime ? "confirmed" : "HoldExpired") : "InvalidTransition"
              : operation === "cancel"
              ? from === "pending" || from === "confirmed" ? "cancelled" : "InvalidTransition"
              : from === "pending" && !inTime ? "expired" : "InvalidTransition"
            if (Either.isRight(result)) {
              expect(result.right.status).toBe(expected as BookingStatus)
              expect(DateTime.Equivalence(result.right.updatedAt, now)).toBe(true)
              booking = result.right
            } else {
              expect(result.left._tag).toBe(expected as "HoldExpired" | "InvalidTransition")
              expect(booking.status).toBe(from)
            }
            // Bookings in an end state stay there; a paid booking is confirmed or cancelled.
            if (isPaid(booking)) expect(["confirmed", "cancelled"]).toContain(booking.status)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
