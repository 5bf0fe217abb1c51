/**
 * The identity service for tests: its HTTP app on a store (in memory, or a PostgreSQL database of
 * the test's own), with staff seeded, and a client that says which address each request comes from
 * (as Bun's server would tell the app).
 */
import { type StoreHealth, type StoreUnavailable } from "@flight/runtime"
import { Postgres } from "@flight/runtime/testing"
import { Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import type { Hono } from "hono"
import * as IdentityApi from "../../src/api/IdentityApi.ts"
import * as StaffSeeding from "../../src/application/StaffSeeding.ts"
import type { StaffSeed } from "../../src/domain/Account.ts"
import * as BetterAuth from "../../src/infrastructure/BetterAuth.ts"
import * as BetterAuthStaffAccounts from "../../src/infrastructure/BetterAuthStaffAccounts.ts"
import * as InMemoryIdentityStore from "../../src/infrastructure/InMemoryIdentityStore.ts"
import * as PostgresIdentityStore from "../../src/infrastructure/PostgresIdentityStore.ts"
import { authentication } from "../../src/main.ts"

export const issuer = new URL("http://identity.test")
export const audience = "flight-booking-test"

export const settings = (overrides: Partial<BetterAuth.Settings> = {}): BetterAuth.Settings => ({
  issuer,
  audience,
  secret: Redacted.make("a-test-secret-of-more-than-32-characters"),
  trustedOrigins: ["http://app.test"],
  signInMaxAttempts: 5,
  signInWindow: Duration.minutes(1),
  keyRotation: Duration.days(30),
  keyGracePeriod: Duration.days(1),
  ...overrides,
})

export const staff: ReadonlyArray<StaffSeed> = [
  { role: "ops", email: "ops@flight.test", password: Redacted.make("ops-test-password"), isDefault: false },
  { role: "admin", email: "admin@flight.test", password: Redacted.make("admin-test-password"), isDefault: false },
]

/** A store: what the service builds better-auth on. */
export type Store = (settings: BetterAuth.Settings) => Effect.Effect<
  Layer.Layer<BetterAuth.IdentityAuth | StoreHealth, StoreUnavailable>,
  unknown,
  Scope.Scope
>

export const inMemory: Store = (settings) => Effect.succeed(InMemoryIdentityStore.layer(settings))

/** A fresh database per call; `database` reuses one (a restart, a second instance). */
export const postgres = (url: string, database?: URL): Store => (settings) =>
  Effect.map(
    database === undefined ? Postgres.freshDatabase(url, "identity_test") : Effect.succeed(database),
    (db) => PostgresIdentityStore.layer(Redacted.make(db), settings),
  )

export interface Answer {
  readonly status: number
  readonly headers: Headers
  // Tests read what they expect of it.
  readonly body: any
}

export interface Client {
  readonly app: Hono
  readonly send: (method: string, path: string, options?: {
    readonly body?: unknown
    readonly raw?: string
    readonly headers?: Record<string, string>
    /** The client's address, as the server sees the connection. */
    readonly ip?: string
  }) => Effect.Effect<Answer>
}

const layerOf = (store: Layer.Layer<BetterAuth.IdentityAuth | StoreHealth, StoreUnavailable>) =>
  Layer.provideMerge(BetterAuthStaffAccounts.layer, store)

/** A client address no other test uses: better-auth's in-memory throttle is one per process. */
export const freshIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`

export const answerOf = async (response: Response): Promise<Answer> => {
  const text = await response.text()
  let body: unknown = text
  try {
    body = text === "" ? undefined : JSON.parse(text)
  } catch {
    // not JSON: the text is the body
  }
  return { status: response.status, headers: response.headers, body }
}

/** The service's app on `store`, with `seeds` made sure of (as at start). */
export const started = (
  store: Store,
  options: {
    readonly settings?: BetterAuth.Settings
    readonly seeds?: ReadonlyArray<StaffSeed>
    /** `AUTH_CLIENT_IP_HEADER`: a header a trusted proxy sets. */
    readonly clientIpHeader?: string
    /** `AUTH_TRUSTED_PROXIES`: the connections that header is believed from. */
    readonly trustedProxies?: ReadonlyArray<string>
  } = {},
) =>
  Effect.gen(function* () {
    const resolved = options.settings ?? settings()
    const runtime = yield* Layer.toRuntime(layerOf(yield* store(resolved)))
    yield* Effect.provide(StaffSeeding.seed(options.seeds ?? staff), runtime)
    const identity = yield* Effect.provide(BetterAuth.IdentityAuth, runtime)
    const app = IdentityApi.make(runtime, {
      issuer: resolved.issuer,
      clientIpHeader: Option.fromNullable(options.clientIpHeader),
      trustedProxies: options.trustedProxies ?? [],
      authentication: authentication(resolved, identity.auth),
    })
    const defaultIp = freshIp()
    const send: Client["send"] = (method, path, request = {}) =>
      Effect.promise(async () => {
        const headers = new Headers(request.headers ?? {})
        if (request.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json")
        const body = request.raw ?? (request.body === undefined ? undefined : JSON.stringify(request.body))
        const ip = request.ip ?? defaultIp
        const response = await app.fetch(
          new Request(`${issuer.href.replace(/\/$/, "")}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
          { requestIP: () => ({ address: ip, family: "IPv4", port: 40000 }) },
        )
        return answerOf(response)
      })
    return { app, runtime, send }
  })

export const signUp = (client: Pick<Client, "send">, body: Record<string, unknown>, ip?: string) =>
  client.send("POST", "/api/auth/sign-up/email", { body, ...(ip === undefined ? {} : { ip }) })

export const signIn = (client: Pick<Client, "send">, email: string, password: string, ip?: string) =>
  client.send("POST", "/api/auth/sign-in/email", { body: { email, password }, ...(ip === undefined ? {} : { ip }) })

/** The claims of a JWT, unverified (the tests verify separately). */
export const claimsOf = (jwt: string) => {
  const [header, payload] = jwt.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")))
  return { header, payload }
}
