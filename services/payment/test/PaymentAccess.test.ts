/**
 * Who may pay a booking and read its payments (DESIGN §10), as the policy itself decides it
 * (`PaymentAccess`, pure, without HTTP): the owner, another customer, the guest token of the
 * booking and of another, ops, admin; and what each is told before the booking's intent arrives.
 * The same matrix over HTTP is PaymentRouteAccess.test.ts's.
 */
import { Principal } from "@flight/auth"
import { BookingId } from "@flight/contracts"
import { describe, expect, test } from "bun:test"
import { Option } from "effect"
import * as PaymentAccess from "../src/application/PaymentAccess.ts"

describe("PaymentAccess", () => {
  const x = BookingId.make(Bun.randomUUIDv7())
  const y = BookingId.make(Bun.randomUUIDv7())
  const principals = {
    "customer A": new Principal.Customer({ sub: "customer-a", roles: ["customer"] }),
    "customer B": new Principal.Customer({ sub: "customer-b", roles: ["customer"] }),
    "guest of X": new Principal.GuestBooking({ sub: `guest:${x}`, bookingId: x }),
    "guest of Y": new Principal.GuestBooking({ sub: `guest:${y}`, bookingId: y }),
    ops: new Principal.Staff({ sub: "olga", roles: ["ops"] }),
    admin: new Principal.Staff({ sub: "ann", roles: ["ops", "admin"] }),
  } as const
  const each = <A>(f: (principal: Principal.Principal) => A) =>
    Object.fromEntries(Object.entries(principals).map(([name, principal]) => [name, f(principal)]))

  test("a booking customer A owns: A and its guest token pay; they, ops and admin read; no one else", () => {
    const booking = { id: x, ownerSub: "customer-a" }
    expect(each((principal) => PaymentAccess.canPay(principal, booking))).toEqual({
      "customer A": true, "customer B": false, "guest of X": true, "guest of Y": false, ops: false, admin: false,
    })
    expect(each((principal) => PaymentAccess.canRead(principal, booking))).toEqual({
      "customer A": true, "customer B": false, "guest of X": true, "guest of Y": false, ops: true, admin: true,
    })
  })

  test("a guest's booking (no owner): only its guest token pays; no customer reaches it", () => {
    const booking = { id: x, ownerSub: null }
    expect(each((principal) => PaymentAccess.canPay(principal, booking))).toEqual({
      "customer A": false, "customer B": false, "guest of X": true, "guest of Y": false, ops: false, admin: false,
    })
    expect(each((principal) => PaymentAccess.canRead(principal, booking))).toEqual({
      "customer A": false, "customer B": false, "guest of X": true, "guest of Y": false, ops: true, admin: true,
    })
  })

  test("staff pay a booking only when it is their own", () => {
    const ops = principals.ops
    expect(PaymentAccess.canPay(ops, { id: x, ownerSub: "olga" })).toBe(true)
    expect(PaymentAccess.canPay(principals.admin, { id: x, ownerSub: "olga" })).toBe(false)
  })

  test("paying before the intent arrives: its guest token goes on, another booking's is refused, an account is told not-ready", () => {
    expect(each((principal) => PaymentAccess.payDecision(principal, x, Option.none()))).toEqual({
      "customer A": "not-ready", "customer B": "not-ready", "guest of X": "pay", "guest of Y": "refused", ops: "not-ready", admin: "not-ready",
    })
    expect(each((principal) => PaymentAccess.payDecision(principal, x, Option.some({ owner: "customer-a" })))).toEqual({
      "customer A": "pay", "customer B": "refused", "guest of X": "pay", "guest of Y": "refused", ops: "refused", admin: "refused",
    })
  })

  test("reading before the intent arrives: its guest token and staff; no account, since no owner is known", () => {
    expect(each((principal) => PaymentAccess.canReadPayments(principal, x, Option.none()))).toEqual({
      "customer A": false, "customer B": false, "guest of X": true, "guest of Y": false, ops: true, admin: true,
    })
    expect(each((principal) => PaymentAccess.canReadPayments(principal, x, Option.some({ owner: "customer-a" })))).toEqual({
      "customer A": true, "customer B": false, "guest of X": true, "guest of Y": false, ops: true, admin: true,
    })
  })
})
