/**
 * The booking policy as pure functions (decision 17): who owns a new booking, who reaches one,
 * whose trips a caller lists, and who may ask the staff's queries. No HTTP: every kind of caller
 * against guest and owned bookings.
 */
import { Policy, Principal } from "@flight/auth"
import { BookingId, BookingReference, FlightId, SeatNumber } from "@flight/contracts"
import { describe, expect, test } from "bun:test"
import { DateTime, Either, Option } from "effect"
import * as BookingAccess from "../src/application/BookingAccess.ts"
import { Booking, Owner } from "../src/domain/Booking.ts"

const x = BookingId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9f")
const y = BookingId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8da1")
const at = DateTime.unsafeMake("2026-12-01T10:00:00Z")

const booking = (id: BookingId, owner: string | null) =>
  new Booking({
    id,
    reference: BookingReference.make("X7K2QP"),
    flightId: FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e"),
    cabin: "economy",
    passengers: [{ firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("1A") }],
    contact: { email: "ada@example.com" },
    total: { amount: 45000, currency: "GBP" },
    status: "pending",
    holdExpiresAt: at,
    paymentId: null,
    cancellationReason: null,
    createdAt: at,
    updatedAt: at,
    owner: owner === null ? null : Owner.make(owner),
  })

const anonymous = Option.none<Principal.Principal>()
const customerA = Option.some<Principal.Principal>(new Principal.Customer({ sub: "customer-a", roles: ["customer"] }))
const customerB = Option.some<Principal.Principal>(new Principal.Customer({ sub: "customer-b", roles: ["customer"] }))
const guestOfX = Option.some<Principal.Principal>(new Principal.GuestBooking({ sub: `guest:${x}`, bookingId: x }))
// A guest token of Y whose sub names the customer who owns X: the sub of a guest token grants nothing.
const guestOfYAsA = Option.some<Principal.Principal>(new Principal.GuestBooking({ sub: "customer-a", bookingId: y }))
const ops = Option.some<Principal.Principal>(new Principal.Staff({ sub: "olga", roles: ["ops"] }))
const admin = Option.some<Principal.Principal>(new Principal.Staff({ sub: "adam", roles: ["admin"] }))

const callers = { anonymous, customerA, customerB, guestOfX, guestOfYAsA, ops, admin }
const decide = (rule: (caller: Option.Option<Principal.Principal>, booking: Booking) => boolean, target: Booking) =>
  Object.fromEntries(Object.entries(callers).map(([name, caller]) => [name, rule(caller, target)]))

describe("BookingAccess", () => {
  test("a booking owned by A is read and cancelled by A, its guest token, ops and admin; by nobody else", () => {
    const expected = { anonymous: false, customerA: true, customerB: false, guestOfX: true, guestOfYAsA: false, ops: true, admin: true }
    expect(decide(BookingAccess.canRead, booking(x, "customer-a"))).toEqual(expected)
    expect(decide(BookingAccess.canCancel, booking(x, "customer-a"))).toEqual(expected)
  })

  test("a guest's booking is read and cancelled by its guest token and staff only: no customer owns it", () => {
    const expected = { anonymous: false, customerA: false, customerB: false, guestOfX: true, guestOfYAsA: false, ops: true, admin: true }
    expect(decide(BookingAccess.canRead, booking(x, null))).toEqual(expected)
    expect(decide(BookingAccess.canCancel, booking(x, null))).toEqual(expected)
  })

  test("a new booking is owned by the account that makes it; an anonymous caller's or a guest token's is a guest's", () => {
    expect(Object.fromEntries(Object.entries(callers).map(([name, caller]) => [name, BookingAccess.ownerFor(caller) as string | null])))
      .toEqual({ anonymous: null, customerA: "customer-a", customerB: "customer-b", guestOfX: null, guestOfYAsA: null, ops: "olga", admin: "adam" })
  })

  test("a flight's bookings and a booking by its reference alone are for ops and admin; no token is a 401, anyone else a 403", () => {
    expect(Object.fromEntries(Object.entries(callers).map(([name, caller]) => [name, BookingAccess.isStaffCaller(caller)])))
      .toEqual({ anonymous: false, customerA: false, customerB: false, guestOfX: false, guestOfYAsA: false, ops: true, admin: true })
    const status = (caller: Option.Option<Principal.Principal>) =>
      Either.match(Policy.admit(BookingAccess.staffQueries, caller), { onLeft: (problem) => problem.status, onRight: () => 200 })
    expect(Object.fromEntries(Object.entries(callers).map(([name, caller]) => [name, status(caller)])))
      .toEqual({ anonymous: 401, customerA: 403, customerB: 403, guestOfX: 403, guestOfYAsA: 403, ops: 200, admin: 200 })
  })

  test("my trips are an account's own; a guest token and an anonymous caller have none", () => {
    expect(Object.fromEntries(Object.entries(callers).map(([name, caller]) => [name, Option.getOrNull(BookingAccess.tripsOf(caller)) as string | null])))
      .toEqual({ anonymous: null, customerA: "customer-a", customerB: "customer-b", guestOfX: null, guestOfYAsA: null, ops: "olga", admin: "adam" })
  })
})
