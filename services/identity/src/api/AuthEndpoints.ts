/**
 * The better-auth routes this service exposes, each with the Schema its input is checked against
 * before better-auth sees it (better-auth puts no limit on a name or an email, and takes control
 * characters), and the Schemas of what it answers, for `/openapi.json`. Any other better-auth
 * route is not served.
 */
import { Route } from "@flight/runtime"
import { Effect, Schema } from "effect"
import { Email, Kind, Name, Password, Role } from "../domain/Account.ts"
import { basePath } from "../infrastructure/BetterAuth.ts"
import { betterAuthFailing } from "./IdentityProblems.ts"

const Url = Schema.String.pipe(
  Schema.maxLength(2048),
  Schema.filter((text) => !/[\u0000-\u0020\u007f-\u009f]/.test(text) || "must be a URL without spaces or control characters"),
)

/** An `https:` URL only: the service shows no image, and a `javascript:` or `data:` one stored is a trap for whoever does. */
const ImageUrl = Url.pipe(
  Schema.filter((text) => URL.parse(text)?.protocol === "https:" || "must be an https: URL"),
).annotations({ description: "An https: URL" })

/** Sent by some clients, and dropped here: roles and kind are the server's to give. */
const Ignored = Schema.optional(Schema.Unknown.annotations({ description: "Ignored: every sign-up is a customer" }))

export const SignUpBody = Schema.Struct({
  name: Name,
  email: Email,
  password: Password,
  image: Schema.optional(ImageUrl),
  callbackURL: Schema.optional(Url),
  rememberMe: Schema.optional(Schema.Boolean),
  roles: Ignored,
  kind: Ignored,
})

export const SignInBody = Schema.Struct({
  email: Email,
  password: Password,
  callbackURL: Schema.optional(Url),
  rememberMe: Schema.optional(Schema.Boolean),
})

/**
 * Nothing, or the empty object. (`Schema.Struct({})` decodes any value but null and undefined, an
 * array, a number or a string included; a record of nothing takes only an object without keys.)
 */
export const SignOutBody = Schema.Record({ key: Schema.String, value: Schema.Never }).annotations({ identifier: "Empty" })

export const User = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  email: Schema.String,
  emailVerified: Schema.Boolean,
  image: Schema.NullOr(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
  roles: Schema.Array(Role),
  kind: Kind,
}).annotations({ identifier: "User" })

const SessionToken = Schema.String.annotations({
  description: "The session token: send it as `Authorization: Bearer <token>` (or use the session cookie)",
})

const SignedIn = Schema.Struct({ token: SessionToken, user: User })

const Session = Schema.Struct({
  id: Schema.String,
  userId: Schema.String,
  token: Schema.String,
  expiresAt: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  ipAddress: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
}).annotations({ identifier: "Session" })

const Jwk = Schema.Struct({ kid: Schema.String, kty: Schema.String, alg: Schema.String, crv: Schema.String, x: Schema.String })

export const Jwks = Schema.Struct({ keys: Schema.Array(Jwk) }).annotations({ identifier: "JWKS" })

export const AccessToken = Schema.Struct({
  token: Schema.String.annotations({
    description: "A JWT (EdDSA, with `kid`) for 10 minutes: `sub` (the account), `email`, `roles`, `kind`, `iss`, `aud`",
  }),
})

/** What the proxy needs to know of an endpoint: its body's Schema, if it takes one. */
export interface Endpoint {
  readonly method: "get" | "post"
  /** Below `basePath`, as better-auth names it (and as its throttling rules do). */
  readonly path: string
  readonly body?: Schema.Schema<any, any>
  /** The fields taken from the body but not handed on. */
  readonly dropped?: ReadonlyArray<string>
  readonly route: Route.Route<never>
}

const documented = <S extends Schema.Schema.AnyNoContext | undefined, B extends Schema.Schema.AnyNoContext | undefined>(options: {
  readonly method: "get" | "post"
  readonly path: string
  readonly summary: string
  readonly description: string
  readonly body?: B
  readonly success: { readonly status: number; readonly schema?: S; readonly description?: string }
  readonly errors: ReadonlyArray<number>
}): Route.Route<never> =>
  Route.make({
    method: options.method,
    path: `${basePath}${options.path}`,
    // better-auth decides (a bearer here is a session token); the bridge documents them only.
    access: "anyone",
    summary: options.summary,
    description: options.description,
    tags: ["identity"],
    ...(options.body === undefined ? {} : { body: options.body }),
    success: options.success,
    // The route's own, and better-auth failing (its store out of reach), which any of them may answer.
    errors: [...options.errors, ...betterAuthFailing.statuses],
    // Served by the proxy to better-auth (`AuthProxy`); this route only documents it.
    handler: () => Effect.dieMessage(`${options.path} is served by better-auth`),
  })

export const endpoints: ReadonlyArray<Endpoint> = [
  {
    method: "post",
    path: "/sign-up/email",
    body: SignUpBody,
    dropped: ["roles", "kind"],
    route: documented({
      method: "post",
      path: "/sign-up/email",
      summary: "Create a customer account",
      description: "Creates an account with the role `customer` (roles or a kind sent are ignored) and signs it in: the " +
        "session token in the body and a session cookie. 409 `user-already-exists` for an email taken in any case; 400 for " +
        "a password shorter than 12 characters or a common one. Throttled per client address (429 with Retry-After).",
      body: SignUpBody,
      success: { status: 200, schema: SignedIn, description: "The account, signed in" },
      errors: [409, 413, 415, 429],
    }),
  },
  {
    method: "post",
    path: "/sign-in/email",
    body: SignInBody,
    route: documented({
      method: "post",
      path: "/sign-in/email",
      summary: "Sign in with email and password",
      description: "Answers the session token (and sets the session cookie). 401 `invalid-email-or-password` for a wrong " +
        "password and an unknown email alike. Throttled per client address: 429 with Retry-After once the budget is spent.",
      body: SignInBody,
      success: { status: 200, schema: Schema.Struct({ redirect: Schema.Boolean, token: SessionToken, user: User }) },
      errors: [401, 403, 413, 415, 429],
    }),
  },
  {
    method: "post",
    path: "/sign-out",
    body: SignOutBody,
    route: documented({
      method: "post",
      path: "/sign-out",
      summary: "Sign out",
      description: "Ends the session of the cookie or bearer token. A browser must send a trusted Origin.",
      body: SignOutBody,
      success: { status: 200, schema: Schema.Struct({ success: Schema.Boolean }) },
      errors: [403, 413, 415],
    }),
  },
  {
    method: "get",
    path: "/get-session",
    route: documented({
      method: "get",
      path: "/get-session",
      summary: "The current session",
      description: "The session and account of the cookie or `Authorization: Bearer <session token>`; `null` without one.",
      success: { status: 200, schema: Schema.NullOr(Schema.Struct({ session: Session, user: User })) },
      errors: [429],
    }),
  },
  {
    method: "get",
    path: "/token",
    route: documented({
      method: "get",
      path: "/token",
      summary: "An access token for the current session",
      description: "A JWT for the session of the cookie or `Authorization: Bearer <session token>`, valid 10 minutes, " +
        "verifiable with the keys at `/api/auth/jwks`. 401 without a session.",
      success: { status: 200, schema: AccessToken },
      errors: [401, 429],
    }),
  },
  {
    method: "get",
    path: "/jwks",
    route: documented({
      method: "get",
      path: "/jwks",
      summary: "The public keys tokens are signed with (JWKS)",
      description: "The current key and those retired within the grace period; a token's `kid` names its key.",
      success: { status: 200, schema: Jwks },
      errors: [],
    }),
  },
]
