/**
 * The gateway: composes its layers and serves HTTP on port 3000 in front of the five services.
 * `bun services/gateway/src/main.ts` runs it alone (the infra mode); `make` runs it beside the
 * services in one process (the embedded mode).
 */
import { TokenVerifier } from "@flight/auth"
import { AppConfig, ClientAddress, Executable, HttpApp, ServiceRuntime, type StoreHealth, type StoreUnavailable } from "@flight/runtime"
import { Duration, Effect, Layer, Option } from "effect"
import * as GatewayApi from "./api/GatewayApi.ts"
import type { RateLimitStore } from "./domain/RateLimitStore.ts"
import { allUpstreams } from "./domain/Upstream.ts"
import { defaultCacheBytes, defaultPort, GatewayConfig } from "./infrastructure/GatewayConfig.ts"
import * as RateLimiterStores from "./infrastructure/RateLimiterStores.ts"

export { defaultCacheBytes, defaultPort, GatewayConfig }
export { Upstreams } from "./domain/Upstream.ts"
export { defaultBudgets, PolicyNames } from "./domain/RateLimitPolicy.ts"

export const service = GatewayApi.service

/** The rate-limit store as the start-up log names it (never with credentials). */
export const describeStore = (config: Pick<GatewayConfig, "redisUrl">): string =>
  Option.match(config.redisUrl, {
    onNone: () => RateLimiterStores.inMemoryName,
    onSome: (url) => `Redis ${RateLimiterStores.address(url)}`,
  })

/** The rate-limit store (Redis when its URL is set, memory otherwise) and the token verifier. */
export const serviceLayer = (
  config: Pick<GatewayConfig, "redisUrl" | "budgets" | "rateLimitPrefix" | "auth">,
): Layer.Layer<RateLimitStore | StoreHealth | TokenVerifier.TokenVerifier, StoreUnavailable> =>
  Layer.merge(
    Option.match(config.redisUrl, {
      onNone: () => RateLimiterStores.memory(config.budgets),
      onSome: (url) => RateLimiterStores.redis(url, config.budgets, config.rateLimitPrefix),
    }),
    TokenVerifier.layerSettings(config.auth),
  )

export interface Running {
  readonly service: string
  readonly url: URL
  readonly store: string
}

/** Starts the gateway: its store, then HTTP until the scope closes. */
export const make = (config: GatewayConfig) =>
  Effect.gen(function* () {
    for (const warning of ClientAddress.warnings(config.clientAddress)) yield* Effect.logWarning(warning)
    const runtime = yield* Layer.toRuntime(serviceLayer(config))
    const app = GatewayApi.make(runtime, {
      upstreams: config.upstreams,
      bodyLimitBytes: config.bodyLimitBytes,
      corsOrigins: config.corsOrigins,
      clientAddress: config.clientAddress,
      cache: { maxBytes: config.cacheBytes },
    })
    const server = yield* HttpApp.serve(app, { port: config.port })
    for (const upstream of allUpstreams) {
      const { timeout, url } = config.upstreams[upstream]
      yield* Effect.logInfo(`Routing to ${upstream} at ${url.href} (timeout ${Duration.format(timeout)})`).pipe(
        Effect.annotateLogs({ upstream, url: url.href }),
      )
    }
    return { service, url: server.url, store: describeStore(config) } satisfies Running
  })

/** The gateway alone in its process, configured from the environment. */
export const program = Effect.gen(function* () {
  const config = yield* AppConfig.loadOrExit(GatewayConfig)
  yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))
  const store = describeStore(config)
  yield* Effect.logInfo(`Starting ${service} with rate-limit store: ${store}`).pipe(
    Effect.annotateLogs({ store, appEnv: config.appEnv }),
  )
  yield* make(config)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service })))

if (import.meta.main) Executable.runMain(program, { defaultPort })
