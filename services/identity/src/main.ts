/**
 * The identity service: composes its layers and serves HTTP. `bun services/identity/src/main.ts`
 * runs it alone; `make` runs it beside the other services (see `scripts/start.ts`). It needs no
 * message bus: nothing it does is an event of the booking saga.
 */
import { HttpAuthentication, TokenVerifier } from "@flight/auth"
import { AppConfig, ClientAddress, Executable, HttpApp, ServiceRuntime, type StoreHealth, StoreHealthLayer, type StoreUnavailable } from "@flight/runtime"
import * as PostgresStore from "@flight/runtime/postgres"
import { Effect, Encoding, Layer, Option, Redacted } from "effect"
import { createLocalJWKSet, type JSONWebKeySet } from "jose"
import * as IdentityApi from "./api/IdentityApi.ts"
import * as StaffSeeding from "./application/StaffSeeding.ts"
import type { StaffAccounts } from "./domain/Account.ts"
import * as BetterAuth from "./infrastructure/BetterAuth.ts"
import * as BetterAuthStaffAccounts from "./infrastructure/BetterAuthStaffAccounts.ts"
import { defaultPort, developmentSecret, IdentityConfig } from "./infrastructure/IdentityConfig.ts"
import * as InMemoryIdentityStore from "./infrastructure/InMemoryIdentityStore.ts"
import * as PostgresIdentityStore from "./infrastructure/PostgresIdentityStore.ts"

export { defaultPort, IdentityConfig }

export const service = IdentityApi.service

/** The secret: configured, the published development one (PostgreSQL outside production), or made for this start. */
const secretOf = (config: IdentityConfig) =>
  Effect.gen(function* () {
    switch (config.secret._tag) {
      case "Configured":
        return config.secret.value
      case "Development":
        yield* Effect.logWarning(
          "BETTER_AUTH_SECRET is unset: PostgreSQL in development uses the published development secret " +
            "(set BETTER_AUTH_SECRET; APP_ENV=production requires it)",
        )
        return Redacted.make(developmentSecret)
      case "PerStart":
        // Sessions and keys live in memory and end with the process: a secret of their own life is enough.
        return Redacted.make(Encoding.encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))))
    }
  })

const settingsOf = (config: IdentityConfig, secret: Redacted.Redacted<string>): BetterAuth.Settings => ({
  issuer: config.issuer,
  audience: config.audience,
  secret,
  trustedOrigins: config.trustedOrigins,
  signInMaxAttempts: config.signInMaxAttempts,
  signInWindow: config.signInWindow,
  keyRotation: config.keyRotation,
  keyGracePeriod: config.keyGracePeriod,
})

/** The store as the start-up log names it (never with credentials). */
export const describeStore = (config: Pick<IdentityConfig, "databaseUrl">): string =>
  Option.match(config.databaseUrl, { onNone: () => StoreHealthLayer.inMemoryName, onSome: (url) => `PostgreSQL ${PostgresStore.address(url)}` })

/** better-auth on PostgreSQL when its URL is set, in memory otherwise, and the staff accounts on it. */
export const serviceLayer = (
  config: IdentityConfig,
  secret: Redacted.Redacted<string>,
): Layer.Layer<BetterAuth.IdentityAuth | StoreHealth | StaffAccounts, StoreUnavailable> => {
  const settings = settingsOf(config, secret)
  const store = Option.match(config.databaseUrl, {
    onNone: () => InMemoryIdentityStore.layer(settings),
    onSome: (url) => PostgresIdentityStore.layer(url, settings),
  })
  return Layer.provideMerge(BetterAuthStaffAccounts.layer, store)
}

/**
 * A verifier of the service's own tokens with its own keys, read from its store at each use (only
 * `/metrics` asks), so that it verifies as every other service does without a request to itself.
 */
export const authentication = (settings: { readonly issuer: URL; readonly audience: string }, auth: BetterAuth.Auth) =>
  HttpAuthentication.withVerifier(TokenVerifier.fromKeySet(
    { issuer: settings.issuer.origin, audience: settings.audience },
    async (header, token) => createLocalJWKSet((await auth.api.getJwks()) as JSONWebKeySet)(header, token),
  ))

export interface Running {
  readonly service: string
  readonly url: URL
  readonly store: string
}

/** Starts the service: its store (migrated), its staff accounts, then HTTP until the scope closes. */
export const make = (config: IdentityConfig) =>
  Effect.gen(function* () {
    const secret = yield* secretOf(config)
    for (const warning of ClientAddress.warnings({ header: config.clientIpHeader, trustedProxies: config.trustedProxies })) {
      yield* Effect.logWarning(warning)
    }
    const runtime = yield* Layer.toRuntime(serviceLayer(config, secret))
    yield* Effect.provide(StaffSeeding.seed(config.staff), runtime)
    for (const role of config.unseeded) {
      const upper = role.toUpperCase()
      yield* Effect.logWarning(
        `No ${role} account seeded: on PostgreSQL set SEED_${upper}_EMAIL and SEED_${upper}_PASSWORD ` +
          "(the development defaults are seeded only in memory)",
      ).pipe(Effect.annotateLogs({ role }))
    }
    const identity = yield* Effect.provide(BetterAuth.IdentityAuth, runtime)
    const app = IdentityApi.make(runtime, {
      issuer: config.issuer,
      clientIpHeader: config.clientIpHeader,
      trustedProxies: config.trustedProxies,
      authentication: authentication(config, identity.auth),
    })
    const server = yield* HttpApp.serve(app, { port: config.port })
    return { service, url: server.url, store: describeStore(config) } satisfies Running
  })

/** The service alone in its process, configured from the environment. */
export const program = Effect.gen(function* () {
  const config = yield* AppConfig.loadOrExit(IdentityConfig)
  yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))
  const store = describeStore(config)
  yield* Effect.logInfo(`Starting ${service} with store: ${store}, issuer: ${config.issuer.origin}`).pipe(
    Effect.annotateLogs({ store, issuer: config.issuer.origin, appEnv: config.appEnv }),
  )
  yield* make(config)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service })))

if (import.meta.main) Executable.runMain(program, { defaultPort })
