/**
 * The caller of a request in the Effect context. `CurrentPrincipal` holds an `Option`: None is an
 * anonymous caller (no `Authorization` header at all), which routes open to anyone accept, such as
 * a guest's `POST /api/bookings`. A `Principal` itself is therefore always a verified one, and the
 * policy functions never have an anonymous case to forget.
 */
import type { Problem } from "@flight/runtime"
import { Context, Effect, Either, Option } from "effect"
import * as AuthorizationHeader from "./AuthorizationHeader.ts"
import * as AuthProblem from "./AuthProblem.ts"
import type { Principal } from "./Principal.ts"
import { type TokenVerifier, verify } from "./TokenVerifier.ts"

export class CurrentPrincipal extends Context.Tag("@flight/auth/CurrentPrincipal")<
  CurrentPrincipal,
  Option.Option<Principal>
>() {}

/**
 * The principal of a request from its `Authorization` header: None when there is no header; a 401
 * problem for any other header that is not a valid bearer token (Basic credentials included, so a
 * client that meant to sign in never silently acts as a guest); a 503 when the keys are out of reach.
 */
export const authenticate = (
  authorization: string | null | undefined,
): Effect.Effect<Option.Option<Principal>, Problem.Problem, TokenVerifier> =>
  Either.match(AuthorizationHeader.bearer(authorization), {
    onLeft: (refusal) =>
      refusal === "missing" ? Effect.succeedNone : Effect.fail(AuthProblem.noToken(refusal)),
    onRight: (token) => verify(token).pipe(Effect.map(Option.some), Effect.mapError(AuthProblem.fromVerification)),
  })

/** Runs `effect` with the principal of `authorization` as its `CurrentPrincipal`. */
export const withPrincipal = (authorization: string | null | undefined) =>
<A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E | Problem.Problem, Exclude<R, CurrentPrincipal> | TokenVerifier> =>
  Effect.flatMap(authenticate(authorization), (principal) => Effect.provideService(effect, CurrentPrincipal, principal))

/** The current principal, or the 401 problem when the caller is anonymous. */
export const required: Effect.Effect<Principal, Problem.Problem, CurrentPrincipal> = Effect.flatMap(
  CurrentPrincipal,
  Option.match({
    onNone: () => Effect.fail(AuthProblem.noToken("missing")),
    onSome: Effect.succeed,
  }),
)
