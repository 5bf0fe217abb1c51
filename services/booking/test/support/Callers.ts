/**
 * The callers of the booking routes: tokens signed by the test issuer (customers, staff, a foreign
 * guest issuer), sent as a bearer, and verified as the service verifies them.
 */
import { TokenVerifier } from "@flight/auth"
import { TestIssuer } from "@flight/auth/testing"
import { Effect } from "effect"
import type { Api } from "./BookingRoutesApp.ts"

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** A token of the test issuer, signed on the app's runtime. */
export const signed = (api: Api, f: (issuer: TestIssuer.TestIssuer) => Effect.Effect<string>) =>
  Effect.flatMap(TestIssuer.Issuer, f).pipe(Effect.provide(api.runtime))

/** The principal the service sees in a token. */
export const verify = (api: Api, token: string) => Effect.flatMap(TokenVerifier.TokenVerifier, (verifier) => verifier.verify(token)).pipe(
  Effect.provide(api.runtime),
)
