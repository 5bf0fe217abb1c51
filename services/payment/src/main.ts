/**
 * The payment service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/payment/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { type MessageBus, ServiceBus } from "@flight/bus"
import { HttpApp, ServiceMain, type StoreHealth, StoreHealthLayer, type StoreUnavailable } from "@flight/runtime"
import { Effect, Layer, Option, Redacted, type Scope } from "effect"
import * as PaymentApi from "./api/PaymentApi.ts"
import { defaultPort, PaymentConfig } from "./infrastructure/PaymentConfig.ts"
import * as PostgresStore from "./infrastructure/PostgresStore.ts"

export { defaultPort, PaymentConfig }

export const service = "payment"

export interface Options {
  readonly port: number
  /** PostgreSQL when set; the in-memory store otherwise. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<URL>>
}

export interface Running {
  readonly service: typeof service
  readonly url: URL
  /** The store adapter, as the start-up log shows it. */
  readonly store: string
}

/** The store adapter for the start-up log: host, port and database at most, never credentials. */
export const storeAdapter = (databaseUrl: Option.Option<Redacted.Redacted<URL>>): string =>
  Option.match(databaseUrl, { onNone: () => StoreHealthLayer.inMemoryName, onSome: (url) => `PostgreSQL ${PostgresStore.address(url)}` })

/** The service's layers on top of a message bus: its store adapter, with the bus passed through. */
export const layer = (
  options: Pick<Options, "databaseUrl">,
): Layer.Layer<StoreHealth | MessageBus, StoreUnavailable, MessageBus> =>
  Layer.merge(
    Option.match(options.databaseUrl, {
      onNone: () => StoreHealthLayer.inMemory,
      onSome: (url) => PostgresStore.layer(url, { applicationName: service }),
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
    const server = yield* HttpApp.serve(PaymentApi.make(runtime), { port: options.port })
    return { service, url: server.url, store: storeAdapter(options.databaseUrl) }
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: PaymentConfig,
  store: (config) => storeAdapter(config.databaseUrl),
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
