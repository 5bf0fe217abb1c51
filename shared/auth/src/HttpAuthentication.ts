/**
 * @flight/auth behind the HTTP bridge of @flight/runtime (`HttpApp.Authentication`): for every
 * request, before its input is read, the `Authorization` header is verified, the caller admitted by
 * the route's access (`Policy.admit`), and the handler runs with the caller as `CurrentPrincipal`.
 */
import type { HttpApp, Problem, Route } from "@flight/runtime"
import { Context, Effect } from "effect"
import { authenticate, CurrentPrincipal } from "./Authentication.ts"
import * as Policy from "./Policy.ts"
import { TokenVerifier } from "./TokenVerifier.ts"

/** The caller of `request` if `access` admits it: the handler's context, or the 401 / 403 / 503 problem. */
export const authorize = (
  access: Route.Access,
  request: Request,
): Effect.Effect<Context.Context<CurrentPrincipal>, Problem.Problem, TokenVerifier> =>
  authenticate(request.headers.get("authorization")).pipe(
    Effect.flatMap((caller) => Policy.admit(access, caller)),
    Effect.map((caller) => Context.make(CurrentPrincipal, caller)),
  )

/** The bridge of a service whose runtime holds its `TokenVerifier`. */
export const bridge: HttpApp.Authentication<CurrentPrincipal, TokenVerifier> = { authorize }

/** The bridge of a service with this verifier in hand (one whose runtime does not hold it). */
export const withVerifier = (
  verifier: Context.Tag.Service<TokenVerifier>,
): HttpApp.Authentication<CurrentPrincipal, never> => ({
  authorize: (access, request) => Effect.provideService(authorize(access, request), TokenVerifier, verifier),
})
