/**
 * The seat inventory against a model: bookings holding, selling and releasing the seats of one cabin
 * in any order, with the domain's own functions, while a map of seat to booking keeps the truth.
 */
import { describe, expect, test } from "bun:test"
import { BookingId, type CabinLayout, PaymentId, type SeatNumber } from "@flight/contracts"
import { Either, FastCheck } from "effect"
import { Booking, cancel, confirm, expire, randomReference, takesSeats, totalOf } from "../src/domain/Booking.ts"
import { allocate, checkRequested, seatsOf } from "../src/domain/SeatInventory.ts"
import { after, createdAt, during, flightId, holdExpiresAt } from "./support/Bookings.ts"
import { expectRight } from "./support/Results.ts"
import { layoutArb, pickArb } from "./support/SeatArbitraries.ts"

type Command =
  | { readonly kind: "hold"; readonly picks: ReadonlyArray<number | undefined>; readonly clash: boolean }
  | { readonly kind: "release"; readonly pick: number; readonly byExpiry: boolean }
  | { readonly kind: "sell"; readonly pick: number }

const commandArb: FastCheck.Arbitrary<Command> = FastCheck.oneof(
  {
    weight: 3,
    arbitrary: FastCheck.record({
      kind: FastCheck.constant("hold" as const),
      picks: FastCheck.array(pickArb, { minLength: 1, maxLength: 9 }),
      clash: FastCheck.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: FastCheck.record({ kind: FastCheck.constant("release" as const), pick: FastCheck.nat(), byExpiry: FastCheck.boolean() }),
  },
  { weight: 2, arbitrary: FastCheck.record({ kind: FastCheck.constant("sell" as const), pick: FastCheck.nat() }) },
)

const uuid = (prefix: string, n: number) => `01936f0e-8a5c-7b3d-${prefix}-${n.toString(16).padStart(12, "0")}`

const newBooking = (layout: CabinLayout, n: number, chosen: ReadonlyArray<SeatNumber>) => {
  const passengers = chosen.map((assigned, index) => ({ firstName: "Passenger", lastName: `Number${index + 1}`, seat: assigned }))
  const [first, ...rest] = passengers
  if (first === undefined) throw new Error("a booking has at least one passenger")
  return new Booking({
    id: BookingId.make(uuid("8000", n)),
    reference: randomReference(),
    flightId,
    cabin: layout.cabin,
    passengers: [first, ...rest],
    contact: { email: "party@example.com" },
    total: totalOf(layout.fare, passengers.length),
    status: "pending",
    holdExpiresAt,
    paymentId: null,
    cancellationReason: null,
    createdAt,
    updatedAt: createdAt,
  })
}

describe("seat inventory against a model", () => {
  test("holding, selling and releasing in any order: no seat belongs to two bookings, held + sold + free = capacity", () => {
    let holds = 0
    let clashes = 0
    let full = 0
    FastCheck.assert(
      FastCheck.property(layoutArb(5, 6), FastCheck.array(commandArb, { maxLength: 40 }), (layout, commands) => {
        const all = seatsOf(layout)
        const cabin = new Set(all)
        const capacity = (layout.rows.to - layout.rows.from + 1) * layout.seatLetters.length
        /** The bookings in the order they were made; a booking's number is its index. */
        const bookings: Array<Booking> = []
        /** The model: which booking each held or sold seat belongs to. */
        const owner = new Map<SeatNumber, number>()
        const isFree = (candidate: SeatNumber) => !owner.has(candidate)

        const checkInvariants = () => {
          const claims = new Map<SeatNumber, number>()
          let held = 0
          let sold = 0
          for (const [n, booking] of bookings.entries()) {
            for (const passenger of booking.passengers) {
              if (takesSeats(booking)) {
                claims.set(passenger.seat, (claims.get(passenger.seat) ?? 0) + 1)
                expect(owner.get(passenger.seat)).toBe(n)
              } else {
                expect(owner.get(passenger.seat)).not.toBe(n)
              }
            }
            if (booking.status === "pending") held += booking.passengers.length
            if (booking.status === "confirmed") sold += booking.passengers.length
          }
          // No seat is claimed by two bookings that take their seats.
          for (const count of claims.values()) expect(count).toBe(1)
          expect(claims.size).toBe(owner.size)
          for (const owned of owner.keys()) expect(cabin.has(owned)).toBe(true)
          const free = all.filter(isFree).length
          expect(held + sold + free).toBe(capacity)
        }

        for (const command of commands) {
          switch (command.kind) {
            case "hold": {
              const freeSeats = all.filter(isFree)
              const takenSeats = all.filter((candidate) => !isFree(candidate))
              const named = new Set<SeatNumber>()
              const requested = command.picks.map((pick) => {
                if (pick === undefined || freeSeats.length === 0) return undefined
                const chosen = freeSeats[pick % freeSeats.length]!
                if (named.has(chosen)) return undefined
                named.add(chosen)
                return chosen
              })
              // Sometimes the first passenger names a seat someone else has.
              const clashing = command.clash && takenSeats.length > 0
                ? takenSeats[(command.picks.length * 7) % takenSeats.length]!
                : undefined
              if (clashing !== undefined) requested[0] = clashing
              expect(Either.isRight(checkRequested(layout, requested))).toBe(true)
              const result = allocate(flightId, layout, isFree, requested)
              const expectedToFail = clashing !== undefined || freeSeats.length < requested.length
              expect(Either.isLeft(result)).toBe(expectedToFail)
              if (Either.isLeft(result)) {
                if (clashing === undefined) full++
                else clashes++
                expect(result.left.seats).toEqual(clashing === undefined ? [] : [clashing])
                break
              }
              holds++
              const n = bookings.length
              for (const chosen of result.right) {
                expect(owner.has(chosen)).toBe(false)
                owner.set(chosen, n)
              }
              bookings.push(newBooking(layout, n, result.right))
              break
            }
            case "release": {
              const active = [...bookings.entries()].filter(([, booking]) => takesSeats(booking))
              if (active.length === 0) break
              const [n, booking] = active[command.pick % active.length]!
              const released = expectRight(
                command.byExpiry && booking.status === "pending" ? expire(booking, after) : cancel(booking, "customer", during),
              )
              expect(takesSeats(released)).toBe(false)
              for (const passenger of released.passengers) {
                expect(owner.get(passenger.seat)).toBe(n)
                owner.delete(passenger.seat)
              }
              bookings[n] = released
              break
            }
            case "sell": {
              const pending = [...bookings.entries()].filter(([, booking]) => booking.status === "pending")
              if (pending.length === 0) break
              const [n, booking] = pending[command.pick % pending.length]!
              const sold = expectRight(confirm(booking, PaymentId.make(uuid("9000", n)), during))
              expect(sold.status).toBe("confirmed")
              expect(takesSeats(sold)).toBe(true)
              bookings[n] = sold
              break
            }
          }
          checkInvariants()
        }
      }),
      { numRuns: 300 },
    )
    // Every outcome of a hold was exercised.
    expect(holds).toBeGreaterThan(100)
    expect(clashes).toBeGreaterThan(50)
    expect(full).toBeGreaterThan(20)
  })
})
