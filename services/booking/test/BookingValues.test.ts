/** The values a booking carries: its total, its reference, its passengers' names and its owner. */
import { describe, expect, test } from "bun:test"
import { BookingReference, BookingReferenceAlphabet, Money, SeatNumber } from "@flight/contracts"
import { Either, FastCheck, Schema } from "effect"
import { Booking, cancel, hasPassenger, Owner, randomReference, totalOf } from "../src/domain/Booking.ts"
import { bookingIn, during } from "./support/Bookings.ts"

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
