/**
 * Who may do what, as pure functions of the `Principal` and the resource. The application layer
 * asks them; a route only maps their answer to HTTP. No I/O, so they are tested without a server.
 */
import type { Problem, Route } from "@flight/runtime"
import { Either, Option } from "effect"
import * as AuthProblem from "./AuthProblem.ts"
import { hasRole, type Principal, type Role } from "./Principal.ts"

/**
 * The principal when it has at least one of `roles`, else the 403 problem naming them. (A request
 * without a principal is a 401, decided before: see `Authentication.required`.)
 */
export const requireRole = <P extends Principal>(
  principal: P,
  ...roles: readonly [Role, ...Array<Role>]
): Either.Either<P, Problem.Problem> =>
  roles.some((role) => hasRole(principal, role)) ? Either.right(principal) : Either.left(AuthProblem.forbidden(roles))

/** A route's access for callers with at least one of `roles`, with the roles checked by the compiler. */
export const roles = (...roles: readonly [Role, ...Array<Role>]): { readonly roles: readonly [Role, ...Array<Role>] } => ({
  roles,
})

/** Whether a known principal may call a route of this access (an anonymous caller is `admit`'s question). */
export const permits = (access: Route.Access, principal: Principal): boolean =>
  typeof access === "string" || access.roles.some((role) => principal.roles.includes(role as Role))

/**
 * The decision for a route's caller, before anything else of the request is read: anyone passes
 * (anonymous or not); an anonymous caller of any other route is the 401; a principal without one
 * of the route's roles is the 403. The caller as it was, when admitted.
 */
export const admit = (
  access: Route.Access,
  caller: Option.Option<Principal>,
): Either.Either<Option.Option<Principal>, Problem.Problem> => {
  if (access === "anyone") return Either.right(caller)
  if (Option.isNone(caller)) return Either.left(AuthProblem.noToken("missing"))
  if (typeof access === "string") return Either.right(caller)
  return permits(access, caller.value)
    ? Either.right(caller)
    : Either.left(AuthProblem.forbidden(access.roles as ReadonlyArray<Role>))
}

/** What the booking policy needs to know of a booking: its id and the account that owns it, if any. */
export interface BookingAccess {
  readonly id: string
  /** The `sub` of the customer who made it; null for a booking made by a guest. */
  readonly ownerSub: string | null
}

/**
 * Whether `principal` may reach `booking` at all: the customer who owns it, the holder of that
 * booking's guest token (never a guest token of another booking, whatever its `sub`), or staff
 * (ops, admin). What each may then do with it (ops read and cancel, only the owner or guest pays)
 * is the calling service's own rule on top of this one.
 *
 * When this is false the route answers **404**, exactly as for a booking that does not exist, and
 * never 403: a 403 would tell a stranger that the booking exists.
 */
export const canAccessBooking = (principal: Principal, booking: BookingAccess): boolean => {
  switch (principal.kind) {
    case "guest-booking":
      return principal.bookingId === booking.id
    case "staff":
      return true
    case "customer":
      return booking.ownerSub !== null && booking.ownerSub === principal.sub
  }
}
