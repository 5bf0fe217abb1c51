/**
 * How authentication and authorization failures are answered, in one place: 401 with a
 * `WWW-Authenticate: Bearer` challenge (RFC 6750 §3), 403 for a known principal without the role,
 * 503 when the issuer's keys cannot be read. A booking that is not the caller's is a 404, answered
 * by the service as for a booking that does not exist (see `Policy.canAccessBooking`).
 */
import { Problem } from "@flight/runtime"
import type { Refusal } from "./AuthorizationHeader.ts"
import type { Role } from "./Principal.ts"
import type { InvalidToken, KeysUnavailable } from "./VerificationError.ts"

export const challengeHeader = "www-authenticate"

/**
 * The challenge of a 401. No error code when the request carried no bearer token (§3.1: the client
 * may not know authentication is needed); `invalid_request` for a Bearer header without one token;
 * `invalid_token` for a token refused; `insufficient_scope` with a 403. The descriptions are fixed
 * sentences without quotes or backslashes, as the header's syntax needs.
 */
export const challenge = (error?: {
  readonly code: "invalid_request" | "invalid_token" | "insufficient_scope"
  readonly description: string
}): string =>
  error === undefined ? "Bearer" : `Bearer error="${error.code}", error_description="${error.description}"`

const unauthorized = (detail: string, header: string): Problem.Problem =>
  Problem.make({ status: 401, type: "unauthorized", title: "Unauthorized", detail, headers: { [challengeHeader]: header } })

const malformedDetail = "The Authorization header does not hold one bearer token"

/** The 401 for a request without a bearer token. */
export const noToken = (refusal: Refusal): Problem.Problem =>
  refusal === "malformed"
    ? unauthorized(malformedDetail, challenge({ code: "invalid_request", description: malformedDetail }))
    : unauthorized("A bearer token is required", challenge())

/** The 401 for a token refused; the detail is the refusal's fixed sentence, never the token. */
export const invalidToken = (error: InvalidToken): Problem.Problem =>
  unauthorized(error.message, challenge({ code: "invalid_token", description: error.message }))

/** The 503 for keys out of reach: the token may be good, so the client is not told to sign in again. */
export const keysUnavailable = (_error: KeysUnavailable): Problem.Problem =>
  Problem.unavailable("The token cannot be verified now; try again shortly")

export const fromVerification = (error: InvalidToken | KeysUnavailable): Problem.Problem =>
  error._tag === "InvalidToken" ? invalidToken(error) : keysUnavailable(error)

/** The 403 for a known principal with none of `roles` (RFC 6750 §3.1 `insufficient_scope`). */
export const forbidden = (roles: ReadonlyArray<Role>): Problem.Problem => {
  const detail = `Requires the role ${roles.join(" or ")}`
  return Problem.make({
    status: 403,
    type: "forbidden",
    title: "Forbidden",
    detail,
    headers: { [challengeHeader]: challenge({ code: "insufficient_scope", description: detail }) },
  })
}
