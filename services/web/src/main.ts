/**
 * The web service: the customer site and the operations console, a backend-for-frontend that calls
 * the APIs through the gateway (DESIGN §10). `bun services/web/src/main.ts` runs it alone; `make`
 * runs it beside the other services in one process.
 */
import { AppConfig, ClientAddress, Executable, HttpApp, ServiceRuntime } from "@flight/runtime"
import { Effect, Layer, Option } from "effect"
import * as WebApp from "./api/WebApp.tsx"
import * as HttpApi from "./infrastructure/HttpApi.ts"
import * as InMemorySessionStore from "./infrastructure/InMemorySessionStore.ts"
import * as RedisSessionStore from "./infrastructure/RedisSessionStore.ts"
import { defaultPort, WebConfig } from "./infrastructure/WebConfig.ts"

export { defaultPort, WebConfig }
export type { WebConfig as Config } from "./infrastructure/WebConfig.ts"

export const service = WebApp.service

/** The session store as the start-up log names it (never with credentials). */
export const describeStore = (config: Pick<WebConfig, "redisUrl">): string =>
  Option.match(config.redisUrl, {
    onNone: () => InMemorySessionStore.name,
    onSome: (url) => `Redis ${RedisSessionStore.address(url)}`,
  })

/** The sessions (Redis when its URL is set, memory otherwise) and the API client. */
export const serviceLayer = (config: Pick<WebConfig, "redisUrl" | "sessionTtl" | "apiUrl">) =>
  Layer.merge(
    Option.match(config.redisUrl, {
      onNone: () => InMemorySessionStore.layer(config.sessionTtl),
      onSome: (url) => RedisSessionStore.layer(url, config.sessionTtl),
    }),
    HttpApi.layer(config.apiUrl),
  )

export interface Running {
  readonly service: string
  readonly url: URL
  readonly store: string
}

/** Starts the service: its session store, then HTTP until the scope closes. */
export const make = (config: WebConfig) =>
  Effect.gen(function* () {
    for (const warning of ClientAddress.warnings(config.clientAddress)) yield* Effect.logWarning(warning)
    const runtime = yield* Layer.toRuntime(serviceLayer(config))
    const server = yield* HttpApp.serve(WebApp.make({ runtime, config }), { port: config.port })
    yield* Effect.logInfo(`Calling the APIs at ${config.apiUrl.origin}`).pipe(Effect.annotateLogs({ apiUrl: config.apiUrl.origin }))
    return { service, url: server.url, store: describeStore(config) } satisfies Running
  })

/** The service alone in its process, configured from the environment. */
export const program = Effect.gen(function* () {
  const config = yield* AppConfig.loadOrExit(WebConfig)
  yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))
  const store = describeStore(config)
  yield* Effect.logInfo(`Starting ${service} with session store: ${store}`).pipe(Effect.annotateLogs({ store, appEnv: config.appEnv }))
  yield* make(config)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service })))

if (import.meta.main) Executable.runMain(program, { defaultPort })
