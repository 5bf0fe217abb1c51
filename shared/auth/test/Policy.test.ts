import { describe, expect, test } from "bun:test"
import { Arbitrary, Either, FastCheck as fc } from "effect"
import { Policy, Principal } from "../src/index.ts"

const principals = Arbitrary.make(Principal.Principal)
const customers = Arbitrary.make(Principal.Customer)
const staff = Arbitrary.make(Principal.Staff)
const guests = Arbitrary.make(Principal.GuestBooking)
const roles = fc.constantFrom<Principal.Role>("customer", "ops", "admin")
const someRoles = fc.uniqueArray(roles, { minLength: 1 }) as fc.Arbitrary<[Principal.Role, ...Array<Principal.Role>]>
const bookingIds = Arbitrary.make(Principal.GuestBooking.fields.bookingId)
const bookings = fc.record({ id: bookingIds, ownerSub: fc.option(fc.string({ minLength: 1 }), { nil: null }) })

describe("requireRole", () => {
  test("lets through, unchanged, a principal with at least one of the roles", () => {
    fc.assert(fc.property(principals, someRoles, (principal, required) => {
      const allowed = required.some((role) => principal.roles.includes(role))
      const result = Policy.requireRole(principal, ...required)
      expect(Either.isRight(result)).toBe(allowed)
      if (Either.isRight(result)) expect(result.right).toBe(principal)
    }))
  })

  test("answers any other with a 403 naming the roles, never a 401", () => {
    fc.assert(fc.property(principals, someRoles, (principal, required) => {
      Either.match(Policy.requireRole(principal, ...required), {
        onRight: () => {},
        onLeft: (problem) => {
          expect(problem).toMatchObject({ status: 403, type: "forbidden", detail: `Requires the role ${required.join(" or ")}` })
          expect(problem.headers?.["www-authenticate"]).toStartWith("Bearer error=\"insufficient_scope\"")
        },
      })
    }))
  })

  test("never lets a guest through, whatever roles are asked for", () => {
    fc.assert(fc.property(guests, someRoles, (guest, required) => {
      expect(Either.isLeft(Policy.requireRole(guest, ...required))).toBe(true)
    }))
  })

  test("staff routes: ops and admin pass, a customer gets 403", () => {
    const ops = new Principal.Staff({ sub: "olga", roles: ["ops"] })
    const admin = new Principal.Staff({ sub: "ada", roles: ["admin"] })
    const customer = new Principal.Customer({ sub: "alice", roles: ["customer"] })
    expect(Either.isRight(Policy.requireRole(ops, "ops", "admin"))).toBe(true)
    expect(Either.isRight(Policy.requireRole(admin, "ops", "admin"))).toBe(true)
    expect(Either.isLeft(Policy.requireRole(ops, "admin"))).toBe(true)
    expect(Policy.requireRole(customer, "ops", "admin")).toEqual(Either.left(expect.objectContaining({ status: 403 })))
  })
})

describe("canAccessBooking", () => {
  test("a customer reaches exactly the bookings they own", () => {
    fc.assert(fc.property(customers, bookings, (customer, booking) => {
      expect(Policy.canAccessBooking(customer, booking)).toBe(booking.ownerSub === customer.sub)
      expect(Policy.canAccessBooking(customer, { ...booking, ownerSub: customer.sub })).toBe(true)
    }))
  })

  test("a guest token reaches its own booking and no other, whatever its sub", () => {
    fc.assert(fc.property(guests, bookings, (guest, booking) => {
      expect(Policy.canAccessBooking(guest, booking)).toBe(booking.id === guest.bookingId)
      expect(Policy.canAccessBooking(guest, { ...booking, id: guest.bookingId })).toBe(true)
    }))
    fc.assert(fc.property(guests, bookingIds, (guest, id) => {
      fc.pre(id !== guest.bookingId)
      expect(Policy.canAccessBooking(guest, { id, ownerSub: guest.sub })).toBe(false)
    }))
  })

  test("staff reach every booking", () => {
    fc.assert(fc.property(staff, bookings, (member, booking) => {
      expect(Policy.canAccessBooking(member, booking)).toBe(true)
    }))
  })

  test("a booking made by a guest is reached by its guest token and staff only", () => {
    fc.assert(fc.property(principals, bookings, (principal, booking) => {
      const guestBooking = { ...booking, ownerSub: null }
      const expected = principal.kind === "staff" || (principal.kind === "guest-booking" && principal.bookingId === booking.id)
      expect(Policy.canAccessBooking(principal, guestBooking)).toBe(expected)
    }))
  })
})

describe("a principal", () => {
  test("is staff exactly when it has ops or admin", () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 255 }), fc.uniqueArray(roles), (sub, granted) => {
      const principal = Principal.account(sub, granted)
      expect(principal.kind).toBe(granted.includes("ops") || granted.includes("admin") ? "staff" : "customer")
      expect(principal.roles).toEqual(granted)
    }))
  })

  test("of each kind keeps its rules: no staff role for a customer, one for staff, none at all for a guest", () => {
    expect(() => new Principal.Customer({ sub: "a", roles: ["admin"] })).toThrow()
    expect(() => new Principal.Staff({ sub: "a", roles: ["customer"] })).toThrow()
    expect(() => new Principal.GuestBooking({ sub: "a", roles: ["customer"], bookingId: fc.sample(bookingIds, 1)[0]! })).toThrow()
    expect(() => new Principal.Customer({ sub: "", roles: [] })).toThrow()
  })
})
