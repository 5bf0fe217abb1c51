/**
 * better-auth, configured for this system: email and password accounts with roles, short-lived
 * EdDSA access tokens from its `jwt` plugin (rotated keys, a JWKS), session tokens as bearer
 * tokens, and sign-in throttling per client address. Its tables are the identity service's own
 * (`identity_*`). The instance is built once per store: in memory, or on PostgreSQL.
 */
import { betterAuth, type BetterAuthOptions } from "better-auth"
import { bearer, jwt } from "better-auth/plugins"
import { Problem } from "@flight/runtime"
import { Context, Duration, Effect, Redacted, Runtime } from "effect"
import { customerRoles, maxPasswordLength, minPasswordLength } from "../domain/Account.ts"
import { tokenLifetime } from "./IdentityConfig.ts"

/** Every table better-auth keeps, prefixed: better-auth has no global prefix, so each model is renamed. */
export const tables = {
  user: "identity_user",
  session: "identity_session",
  account: "identity_account",
  verification: "identity_verification",
  jwks: "identity_jwks",
  rateLimit: "identity_rate_limit",
} as const

export const basePath = "/api/auth"

/**
 * The header better-auth reads the client's address from. Only the HTTP layer sets it, after
 * deleting any copy a client sent (see `AuthProxy`).
 */
export const clientIpHeader = "x-identity-client-ip"

export interface Settings {
  readonly issuer: URL
  readonly audience: string
  readonly secret: Redacted.Redacted<string>
  readonly trustedOrigins: ReadonlyArray<string>
  readonly signInMaxAttempts: number
  readonly signInWindow: Duration.Duration
  readonly keyRotation: Duration.Duration
  readonly keyGracePeriod: Duration.Duration
}

const seconds = (duration: Duration.Duration) => Math.max(1, Math.round(Duration.toSeconds(duration)))

type Database = BetterAuthOptions["database"]

/** Text of better-auth's log lines, which may carry what a client sent: controls escaped, cut short. */
const logText = (value: unknown): string => {
  const text = value instanceof Error ? `${value.name}: ${value.message}` : typeof value === "string" ? value : safeJson(value)
  return Problem.excerpt(text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`), 200)
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** What better-auth logs about a client's request (a bad origin, callback URL or password): the client's doing, so debug. */
const clientCaused = /^(Invalid |If it's a valid URL|Blocked cross-site)/

/**
 * better-auth's own log lines, as lines of the service's logger: what a client caused at debug,
 * the rest at its level, every value escaped and cut short.
 */
const logger = (runtime: Runtime.Runtime<never>) => ({
  level: "debug" as const,
  log: (level: "debug" | "info" | "success" | "warn" | "error", message: string, ...args: Array<unknown>) => {
    const text = [message, ...args].map(logText).join(" ")
    const log = clientCaused.test(message) || level === "debug" || level === "info" || level === "success"
      ? Effect.logDebug
      : level === "error" ? Effect.logError : Effect.logWarning
    Runtime.runFork(runtime)(log(`better-auth: ${text}`))
  },
})

/**
 * better-auth's errors, logged here rather than by its default logger (which prints the message,
 * a client's text among it, raw and coloured to stderr at error level): a refusal of a client's
 * request (4xx) at debug; anything else at error.
 */
const onAPIError = (runtime: Runtime.Runtime<never>) => ({
  onError: (error: unknown) => {
    const status = (error as { readonly statusCode?: unknown } | null)?.statusCode
    const log = typeof status === "number" && status < 500 ? Effect.logDebug : Effect.logError
    Runtime.runFork(runtime)(log(`better-auth: ${logText(error)}`))
  },
})

const options = (settings: Settings, database: Database, rateLimitStorage: "memory" | "database", runtime: Runtime.Runtime<never>) => {
  const budget = { window: seconds(settings.signInWindow), max: settings.signInMaxAttempts }
  return {
    appName: "identity",
    baseURL: settings.issuer.origin,
    basePath,
    secret: Redacted.value(settings.secret),
    trustedOrigins: [...settings.trustedOrigins],
    telemetry: { enabled: false },
    logger: logger(runtime),
    onAPIError: onAPIError(runtime),
    database,
    emailAndPassword: { enabled: true, minPasswordLength, maxPasswordLength },
    user: {
      modelName: tables.user,
      additionalFields: {
        // `input: false`: a client never sets these (sign-up drops them, update-user refuses them).
        roles: { type: "string[]", required: false, input: false, defaultValue: [...customerRoles] },
        kind: { type: "string", required: false, input: false, defaultValue: "customer" },
      },
    },
    session: { modelName: tables.session },
    account: { modelName: tables.account },
    verification: { modelName: tables.verification },
    rateLimit: {
      // better-auth enables it in production only; here always, whatever NODE_ENV says.
      enabled: true,
      storage: rateLimitStorage,
      modelName: tables.rateLimit,
      window: 60,
      max: 100,
      customRules: { "/sign-in/email": budget, "/sign-up/email": budget, "/jwks": false },
    },
    advanced: {
      ipAddress: { ipAddressHeaders: [clientIpHeader] },
      cookiePrefix: "identity",
      // better-auth skips the check under NODE_ENV=test; it is kept on so the tests see what runs.
      disableOriginCheck: false,
    },
    plugins: [
      bearer(),
      jwt({
        jwks: {
          keyPairConfig: { alg: "EdDSA", crv: "Ed25519" },
          rotationInterval: seconds(settings.keyRotation),
          gracePeriod: seconds(settings.keyGracePeriod),
        },
        jwt: {
          issuer: settings.issuer.origin,
          audience: settings.audience,
          expirationTime: `${seconds(tokenLifetime)}s`,
          definePayload: ({ user }) => ({ email: user.email, roles: user["roles"] ?? [], kind: user["kind"] }),
        },
        schema: { jwks: { modelName: tables.jwks } },
        // No token on every get-session response: clients ask GET /token when they need one.
        disableSettingJwtHeader: true,
      }),
    ],
  } satisfies BetterAuthOptions
}

export type Options = ReturnType<typeof options>

const create = (...args: Parameters<typeof options>) => {
  const resolved = options(...args)
  const auth = betterAuth(resolved)
  return { auth, options: resolved, handler: auth.handler }
}

export type Auth = ReturnType<typeof create>["auth"]

/** The better-auth instance of the service, ready: its tables exist and its first signing key is made. */
export class IdentityAuth extends Context.Tag("identity/IdentityAuth")<IdentityAuth, {
  readonly auth: Auth
  readonly options: Options
  /** Serves a request to better-auth (the store may need to add to what `auth.handler` does). */
  readonly handler: (request: Request) => Promise<Response>
}>() {}

/** Builds the instance on `database`; the caller migrates its tables (see `PostgresIdentityStore`). */
export const make = (settings: Settings, database: Database, rateLimitStorage: "memory" | "database") =>
  Effect.map(Effect.runtime<never>(), (runtime) => create(settings, database, rateLimitStorage, runtime))

/**
 * Makes the first signing key now, while the service starts: concurrent first token requests
 * would otherwise each make one.
 */
export const mintFirstKey = (auth: Auth) => Effect.promise(() => auth.api.getJwks()).pipe(Effect.asVoid)
