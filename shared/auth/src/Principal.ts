/**
 * Who is calling, as a verified token says: a customer, a member of staff, or a guest holding the
 * token of one booking. Each kind is its own class, so the rules of a kind hold by construction.
 */
import { BookingId } from "@flight/contracts"
import { Schema } from "effect"

export const Role = Schema.Literal("customer", "ops", "admin").annotations({ identifier: "Role" })
export type Role = typeof Role.Type

/** The roles that make a principal staff. */
export const staffRoles: ReadonlyArray<Role> = ["ops", "admin"]

/** The token's `sub`: the account (or, for a guest, the issuer's name for the guest). */
export const Subject = Schema.NonEmptyString.pipe(Schema.maxLength(255)).annotations({ identifier: "Subject" })

const isStaff = (roles: ReadonlyArray<Role>) => roles.some((role) => staffRoles.includes(role))

/** A signed-in account without a staff role. */
export class Customer extends Schema.Class<Customer>("CustomerPrincipal")(
  Schema.Struct({ kind: Schema.tag("customer"), sub: Subject, roles: Schema.Array(Role) }).pipe(
    Schema.filter((principal) => !isStaff(principal.roles) || "A customer has no staff role (ops, admin)"),
  ),
) {}

/** A signed-in account with the role ops or admin (or both; a member of staff may also be a customer). */
export class Staff extends Schema.Class<Staff>("StaffPrincipal")(
  Schema.Struct({ kind: Schema.tag("staff"), sub: Subject, roles: Schema.Array(Role) }).pipe(
    Schema.filter((principal) => isStaff(principal.roles) || "A member of staff has the role ops or admin"),
  ),
) {}

/**
 * The holder of a guest token: whoever booked without an account, scoped to that one booking and
 * to nothing else. A guest has no roles, whatever the token says.
 */
export class GuestBooking extends Schema.Class<GuestBooking>("GuestBookingPrincipal")({
  kind: Schema.tag("guest-booking"),
  sub: Subject,
  roles: Schema.Array(Role).pipe(
    Schema.filter((roles) => roles.length === 0 || "A guest has no roles"),
    Schema.propertySignature,
    Schema.withConstructorDefault((): ReadonlyArray<Role> => []),
  ),
  bookingId: BookingId,
}) {}

export const Principal = Schema.Union(Customer, Staff, GuestBooking).annotations({ identifier: "Principal" })
export type Principal = typeof Principal.Type

export type Kind = Principal["kind"]

export const hasRole = (principal: Principal, role: Role): boolean => principal.roles.includes(role)

/** The kind an account with these roles is: staff with ops or admin, a customer otherwise. */
export const account = (sub: string, roles: ReadonlyArray<Role>): Customer | Staff =>
  isStaff(roles) ? new Staff({ sub, roles }) : new Customer({ sub, roles })
