/**
 * From the claims of a verified token to a `Principal`. The signature, issuer, audience and times
 * are checked before this runs; here the claims that say who the caller is are read.
 */
import { BookingId } from "@flight/contracts"
import { Either, Schema } from "effect"
import * as Principal from "./Principal.ts"
import { InvalidToken } from "./VerificationError.ts"

/** The claim that makes a token a guest token, scoped to the booking it names. */
export const bookingClaim = "booking_id"

/** Where the roles are by default (our identity service); Keycloak's is `realm_access.roles`. */
export const defaultRolesClaim = "roles"

/** A roles claim name is a claim or a dotted path of claims; no part of it may be empty. */
export const isClaimPath = (name: string): boolean => name.split(".").every((part) => part !== "")

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The value at `name`: a claim of that exact name if there is one (Auth0's roles claim is a URL,
 * dots and all), otherwise the dotted path (`realm_access.roles`). Only own properties are read, so
 * `__proto__` or `constructor` in a path find nothing.
 */
export const read = (claims: Record<string, unknown>, name: string): unknown => {
  if (Object.hasOwn(claims, name)) return claims[name]
  let node: unknown = claims
  for (const part of name.split(".")) {
    if (!isRecord(node) || !Object.hasOwn(node, part)) return undefined
    node = node[part]
  }
  return node
}

const isRole = Schema.is(Principal.Role)

/**
 * The roles this system knows, in the order given, once each. Any other role, and a claim that is
 * not an array, gives nothing: an issuer's surprise can only take rights away.
 */
export const roles = (value: unknown): Array<Principal.Role> =>
  Array.isArray(value) ? Array.from(new Set(value.filter(isRole))) : []

const decodeBookingId = Schema.decodeUnknownEither(BookingId)
const isSubject = Schema.is(Principal.Subject)

const invalid = () => Either.left(new InvalidToken({ reason: "invalid-claims" }))

/**
 * Which tokens an issuer signs: accounts (the identity issuer, or any OIDC issuer) or guest tokens
 * (the booking service's guest issuer, decision 17). The issuer decides, never a claim.
 */
export type Tokens = "accounts" | "guests"

/**
 * The principal the claims describe. A token of an account issuer is the account its roles (read at
 * `rolesClaim`) make it, customer or staff: a `booking_id` in it is ignored, since such an issuer
 * never issues guest tokens and a claim a user could set must not change who they are. A token of
 * the guest issuer is the guest of the booking its `booking_id` names, with no roles whatever it
 * says; without a valid `booking_id` it is refused. A token without a usable `sub` is refused.
 */
export const principal = (
  claims: Record<string, unknown>,
  rolesClaim: string,
  tokens: Tokens = "accounts",
): Either.Either<Principal.Principal, InvalidToken> => {
  const sub = claims["sub"]
  if (!isSubject(sub)) return invalid()
  if (tokens === "guests") {
    return Either.match(decodeBookingId(claims[bookingClaim]), {
      onLeft: invalid,
      onRight: (bookingId) => Either.right(new Principal.GuestBooking({ sub, bookingId })),
    })
  }
  return Either.right(Principal.account(sub, roles(read(claims, rolesClaim))))
}
