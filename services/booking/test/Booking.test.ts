import { describe, expect, test } from "bun:test"
import {
  BookingId,
  BookingReference,
  BookingReferenceAlphabet,
  FlightId,
  Money,
  PaymentId,
  SeatNumber,
} from "@flight/contracts"
import { DateTime, Either, FastCheck, Schema } from "effect"
import {
  allowedTransitions,
  Booking,
  type BookingStatus,
  cancel,
  confirm,
  expire,
  hasPassenger,
  HoldExpired,
  InvalidTransition,
  isPaid,
  Owner,
  randomReference,
  seatsOf,
  takesSeats,
  totalOf,
} from "../src/domain/Booking.ts"

const flightId = FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e")
const bookingId = BookingId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9f")
const paymentId = PaymentId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8da0")
const createdAt = DateTime.unsafeMake("2026-12-01T10:00:00Z")
const holdExpiresAt = DateTime.unsafeMake("2026-12-01T10:15:00Z")
/** Well inside the hold. */
const during = DateTime.unsafeMake("2026-12-01T10:05:00Z")
/** After the hold ran out. */
const after = DateTime.unsafeMake("2026-12-01T10:20:00Z")
const minute = 60 * 1000

const statuses: ReadonlyArray<BookingStatus> = ["pending", "confirmed", "cancelled", "expired"]

/** A booking in the given status, with the fields that status implies. */
const bookingIn = (status: BookingStatus, overrides: Partial<ConstructorParameters<typeof Booking>[0]> = {}) =>
  new Booking({
    id: bookingId,
    reference: BookingReference.make("X7K2QP"),
    flightId,
    cabin: "economy",
    passengers: [
      { firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("1A") },
      { firstName: "Charles", lastName: "Babbage", seat: SeatNumber.make("1B") },
    ],
    contact: { email: "ada@example.com" },
    total: { amount: 90000, currency: "GBP" },
    status,
    holdExpiresAt,
    paymentId: status === "confirmed" ? paymentId : null,
    cancellationReason: status === "cancelled" ? "customer" : status === "expired" ? "expired" : null,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  })

const expectRight = <A, E>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) throw new Error(`expected success, got ${String(result.left)}`)
  return result.right
}

const expectLeft = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error("expected a failure, got a success")
  return result.left
}

// -------------------------------------------------------------------------------------------------
// The lifecycle

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

// -------------------------------------------------------------------------------------------------
// Money, references, passengers

describe("totalOf", () => {
  test("the fare times the passengers, in the fare's currency", () => {
    expect(totalOf({ amount: 45000, currency: "GBP" }, 3)).toEqual({ amount: 135000, currency: "GBP" })
    expect(totalOf({ amount: 0, currency: "EUR" }, 9)).toEqual({ amount: 0, currency: "EUR" })
    expect(totalOf({ amount: 19999, currency: "USD" }, 1)).toEqual({ amount: 19999, currency: "USD" })
  })

  test("property: an integer amount of minor units (never a float), fare × passengers, currency kept", () => {
    const currency = FastCheck.stringMatching(/^[A-Z]{3}$/)
    FastCheck.assert(
      FastCheck.property(
        FastCheck.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 9) }),
        currency,
        FastCheck.integer({ min: 1, max: 9 }),
        (amount, code, passengers) => {
          const total = totalOf({ amount, currency: code }, passengers)
          expect(Number.isSafeInteger(total.amount)).toBe(true)
          expect(total.amount).toBe(amount * passengers)
          expect(total.currency).toBe(code)
          expect(Schema.is(Money)(total)).toBe(true)
          // Adding one passenger adds exactly one fare.
          expect(totalOf({ amount, currency: code }, passengers + 1).amount - total.amount).toBe(amount)
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe("randomReference", () => {
  test("property: 2,000 draws are all valid booking references, and every one of the 32 characters appears, roughly evenly", () => {
    const draws = 2000
    const isReference = Schema.is(BookingReference)
    const counts = new Map<string, number>()
    for (let i = 0; i < draws; i++) {
      const reference = randomReference()
      expect(reference).toMatch(/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/)
      expect(isReference(reference)).toBe(true)
      for (const character of reference) counts.set(character, (counts.get(character) ?? 0) + 1)
    }
    expect(BookingReferenceAlphabet).toHaveLength(32)
    expect([...counts.keys()].sort()).toEqual([...BookingReferenceAlphabet].sort())
    // 12,000 characters over 32 symbols: 375 each expected, standard deviation about 19.
    const expected = (draws * 6) / 32
    for (const character of BookingReferenceAlphabet) {
      const count = counts.get(character) ?? 0
      expect({ character, fair: count > expected * 0.6 && count < expected * 1.4 }).toEqual({ character, fair: true })
    }
    // Chi-square with 31 degrees of freedom: a fair generator goes above 75 about once in 60,000 runs.
    const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0)
    expect(chiSquare).toBeLessThan(75)
  })
})

describe("hasPassenger", () => {
  const booking = bookingIn("pending", {
    passengers: [
      { firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("1A") },
      { firstName: "Charlotte", lastName: "Brontë", seat: SeatNumber.make("1B") },
    ],
  })

  test("matches a passenger's last name whatever its case, with surrounding spaces trimmed", () => {
    for (const lastName of ["Lovelace", "lovelace", "LOVELACE", "lOvElAcE", "  Lovelace ", "\tlovelace\n", "BRONTË", " brontë "]) {
      expect({ lastName, found: hasPassenger(booking, lastName) }).toEqual({ lastName, found: true })
    }
  })

  test("false for a name not on the booking, a first name, part of a name, or nothing", () => {
    for (const lastName of ["Turing", "Ada", "Love", "Lovelace Babbage", "Bronte", "", "   "]) {
      expect({ lastName, found: hasPassenger(booking, lastName) }).toEqual({ lastName, found: false })
    }
  })
})

describe("owner", () => {
  const encode = Schema.encodeSync(Schema.parseJson(Booking))
  const decode = Schema.decodeUnknownSync(Schema.parseJson(Booking))

  test("a booking stored before owners were recorded reads as a guest's booking (owner null)", () => {
    const { owner: _, ...stored } = JSON.parse(encode(bookingIn("confirmed"))) as Record<string, unknown>
    expect("owner" in stored).toBe(false)
    expect(decode(JSON.stringify(stored)).owner).toBe(null)
  })

  test("an owner survives a transition and a round trip through the stored form", () => {
    const owned = bookingIn("pending", { owner: Owner.make("customer-a") })
    const cancelled = Either.getOrThrow(cancel(owned, "customer", during))
    expect(decode(encode(cancelled)).owner as string | null).toBe("customer-a")
  })

  test("an owner is a non-empty subject of at most 255 characters", () => {
    expect(Schema.is(Owner)("")).toBe(false)
    expect(Schema.is(Owner)("x".repeat(256))).toBe(false)
    expect(Schema.is(Owner)("x".repeat(255))).toBe(true)
  })
})
