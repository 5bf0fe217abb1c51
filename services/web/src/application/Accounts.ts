/**
 * Signing up, in and out through the identity service (better-auth, DESIGN §10), and keeping the
 * account's access token fresh: the session token stays on the server and buys a 10-minute access
 * token whenever the last one is about to run out.
 */
import { Spans } from "@flight/runtime"
import { Effect, Option, Schema } from "effect"
import { Api } from "../domain/Api.ts"
import type { ApiProblem } from "../domain/ApiProblem.ts"
import type * as AccountForms from "../domain/AccountForms.ts"
import type { Account, Session } from "../domain/Session.ts"

/** An access token is renewed this long before it expires. */
export const renewBefore = 60_000

const Claims = Schema.Struct({
  sub: Schema.String,
  exp: Schema.Number,
  email: Schema.optional(Schema.String),
  roles: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
})
const decodeClaims = Schema.decodeUnknownOption(Schema.parseJson(Claims))

/**
 * The claims of an access token the identity service has just handed over, read without verifying
 * (the services verify every token they are sent; this only labels the pages).
 */
export const claimsOf = (token: string) =>
  Option.flatMap(Option.fromNullable(token.split(".")[1]), (payload) => decodeClaims(Buffer.from(payload, "base64url").toString("utf8")))

interface SignedIn {
  readonly token: string
  readonly user: { readonly name?: string; readonly email?: string }
}

const accessTokenFor = (sessionToken: string) =>
  Effect.flatMap(Api, (api) => api.request<{ readonly token: string }>({ method: "GET", path: "/api/auth/token", token: sessionToken }))

const accountOf = (sessionToken: string, user: SignedIn["user"]): Effect.Effect<Account, ApiProblem, Api> =>
  Effect.gen(function* () {
    const access = yield* accessTokenFor(sessionToken)
    const claims = claimsOf(access.body.token)
    return {
      sessionToken,
      accessToken: access.body.token,
      accessExpiresAt: Option.match(claims, { onNone: () => Date.now() + 5 * 60_000, onSome: (claims) => claims.exp * 1000 }),
      sub: Option.match(claims, { onNone: () => "", onSome: (claims) => claims.sub }),
      email: user.email ?? Option.getOrElse(Option.flatMap(claims, (claims) => Option.fromNullable(claims.email)), () => ""),
      name: user.name ?? "",
      roles: Option.match(claims, { onNone: () => [], onSome: (claims) => claims.roles }),
    }
  })

export const signUp = Spans.fn("Accounts.signUp")(function* (form: AccountForms.SignUp) {
  const api = yield* Api
  const answer = yield* api.request<SignedIn>({ method: "POST", path: "/api/auth/sign-up/email", body: form })
  return yield* accountOf(answer.body.token, answer.body.user)
})

export const signIn = Spans.fn("Accounts.signIn")(function* (form: AccountForms.SignIn) {
  const api = yield* Api
  const answer = yield* api.request<SignedIn>({ method: "POST", path: "/api/auth/sign-in/email", body: form })
  return yield* accountOf(answer.body.token, answer.body.user)
})

/** Ends the identity session; the page forgets it whatever identity answers. */
export const signOut = Spans.fn("Accounts.signOut")(function* (account: Account) {
  const api = yield* Api
  yield* Effect.ignore(api.request({ method: "POST", path: "/api/auth/sign-out", body: {}, token: account.sessionToken }))
})

/**
 * The session with an access token good for at least a minute: renewed with the session token when
 * needed; when identity no longer knows the session, the visitor is signed out (account null).
 */
export const fresh = Spans.fn("Accounts.fresh")(function* (session: Session, now: number) {
  const account = session.account
  if (account === null || account.accessExpiresAt - now > renewBefore) return { session, changed: false }
  const renewed = yield* Effect.either(accessTokenFor(account.sessionToken))
  if (renewed._tag === "Left") {
    // Identity down is not a sign-out: the pages say the system is unavailable.
    if (renewed.left.status >= 500) return { session, changed: false }
    return { session: { ...session, account: null }, changed: true }
  }
  const claims = claimsOf(renewed.right.body.token)
  const accessExpiresAt = Option.match(claims, { onNone: () => now + 5 * 60_000, onSome: (claims) => claims.exp * 1000 })
  return { session: { ...session, account: { ...account, accessToken: renewed.right.body.token, accessExpiresAt } }, changed: true }
})
