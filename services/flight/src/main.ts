/**
 * The flight service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/flight/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { type MessageBus, ServiceBus } from "@flight/bus"
import { HttpApp, ServiceMain, type StoreHealth, StoreHealthLayer, type StoreUnavailable } from "@flight/runtime"
import { Effect, Layer, Option, type Scope } from "effect"
import * as FlightApi from "./api/FlightApi.ts"
import { defaultPort, FlightConfig } from "./infrastructure/FlightConfig.ts"
import * as MongoStore from "./infrastructure/MongoStore.ts"

export { defaultPort, FlightConfig }

export const service = "flight"

export interface Options {
  readonly port: number
  /** MongoDB when set; the in-memory store otherwise. */
  readonly mongodbUrl: Option.Option<MongoStore.MongoUrl>
}

export interface Running {
  readonly service: typeof service
  readonly url: URL
  /** The store adapter, as the start-up log shows it. */
  readonly store: string
}

/** The store adapter for the start-up log: hosts and database at most, never credentials. */
export const storeAdapter = (mongodbUrl: Option.Option<MongoStore.MongoUrl>): string =>
  Option.match(mongodbUrl, { onNone: () => StoreHealthLayer.inMemoryName, onSome: (url) => `MongoDB ${MongoStore.address(url)}` })

/** The service's layers on top of a message bus: its store adapter, with the bus passed through. */
export const layer = (
  options: Pick<Options, "mongodbUrl">,
): Layer.Layer<StoreHealth | MessageBus, StoreUnavailable, MessageBus> =>
  Layer.merge(
    Option.match(options.mongodbUrl, {
      onNone: () => StoreHealthLayer.inMemory,
      onSome: (url) => MongoStore.layer(url, { appName: service }),
    }),
    Layer.context<MessageBus>(),
  )

/**
 * Starts the service on the message bus in context: connects its store, then serves HTTP until the
 * scope closes, which stops the server first and then closes the store.
 */
export const make = (
  options: Options,
): Effect.Effect<Running, StoreUnavailable | HttpApp.ServerError, MessageBus | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Layer.toRuntime(layer(options))
    const server = yield* HttpApp.serve(FlightApi.make(runtime), { port: options.port })
    return { service, url: server.url, store: storeAdapter(options.mongodbUrl) }
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: FlightConfig,
  store: (config) => storeAdapter(config.mongodbUrl),
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
