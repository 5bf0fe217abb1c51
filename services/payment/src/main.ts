/**
 * The payment service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/payment/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { AuthConfig, TokenVerifier } from "@flight/auth"
import { MessageBus, Outbox, ServiceBus } from "@flight/bus"
import { AppConfig, Executable, IdempotencyKey, type StoreHealth } from "@flight/runtime"
import { Config, type Duration, Effect, Layer, type Option, type Redacted } from "effect"
import * as PaymentApi from "./api/PaymentApi.ts"
import { PaymentCommands, startRecovery, startRefunds } from "./application/PaymentCommands.ts"
import * as PaymentEvents from "./application/PaymentEvents.ts"
import { PaymentQueries } from "./application/PaymentQueries.ts"
import { PaymentRepository } from "./domain/PaymentRepository.ts"
import * as InMemoryPaymentRepository from "./infrastructure/InMemoryPaymentRepository.ts"
import * as PostgresPaymentRepository from "./infrastructure/PostgresPaymentRepository.ts"
import * as SimulatedGateway from "./infrastructure/SimulatedGateway.ts"
import { defaultPort, PaymentConfig as StoreConfig } from "./infrastructure/PaymentConfig.ts"
import * as PostgresStore from "@flight/runtime/postgres"

export { defaultPort }

/** The payment service's configuration: its store and bus, and whose tokens it accepts (AUTH_*). */
export const PaymentConfig = Config.zipWith(StoreConfig, AuthConfig.service, (config, auth) => ({ ...config, auth })).pipe(
  Config.mapOrFail(AppConfig.requiredInProduction((config) => [
    AuthConfig.issuerRequirement(config.auth),
    // Guests pay with the booking service's tokens: its issuer is never left at localhost.
    AuthConfig.guestIssuerRequirement(config.auth),
  ])),
)
export type PaymentConfig = Config.Config.Success<typeof PaymentConfig>

export const service = "payment"

export interface Options {
  readonly port: number
  /** PostgreSQL when set; the in-memory store otherwise. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<URL>>
  /** Whose tokens it accepts; the identity service of `./run start` when not given. */
  readonly auth?: AuthConfig.Settings
}

/** The application on a store and the simulated gateway. */
const application = <E>(store: Layer.Layer<PaymentRepository | Outbox.Store | StoreHealth, E>, gatewayLatency?: Duration.DurationInput) =>
  Layer.provideMerge(
    Layer.mergeAll(PaymentCommands.Default, PaymentQueries.Default),
    Layer.merge(store, SimulatedGateway.layer(gatewayLatency === undefined ? {} : { latency: gatewayLatency })),
  )

/** The whole service on the in-memory store, as the embedded mode and the HTTP tests build it. */
export const inMemoryLayer = (gatewayLatency?: Duration.DurationInput) => application(InMemoryPaymentRepository.layer, gatewayLatency)

/** The whole service on PostgreSQL (migrated at start). */
export const postgresLayer = (url: Redacted.Redacted<URL>, gatewayLatency?: Duration.DurationInput) =>
  application(PostgresPaymentRepository.layer.pipe(Layer.provideMerge(PostgresStore.layer(url, { applicationName: service }))), gatewayLatency)

/** PostgreSQL when its URL is set, in memory otherwise. */
const store = (url: Options["databaseUrl"]) =>
  ServiceBus.store(url, {
    describe: (url) => `PostgreSQL ${PostgresStore.address(url)}`,
    layer: (url) => postgresLayer(url),
    inMemory: inMemoryLayer(),
  })

/**
 * Beside the HTTP server: the consumer of booking events, the refund worker, the recovery of
 * payments a stopped process left pending, the outbox relay, and the purge of Idempotency-Keys
 * past their retention.
 */
const workers = Effect.gen(function* () {
  const bus = yield* MessageBus
  yield* bus.consume(yield* PaymentEvents.consumer)
  yield* startRefunds()
  yield* startRecovery(PaymentApi.renderPayment)
  yield* Outbox.startRelay(yield* Outbox.Store, { idleDelay: "1 second" })
  yield* IdempotencyKey.startPurge((yield* PaymentRepository).purgeKeys)
})

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({
    service,
    port: options.port,
    store: ServiceBus.alongside(store(options.databaseUrl), TokenVerifier.layerSettings(options.auth ?? AuthConfig.defaults)),
    app: PaymentApi.make,
    workers,
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: PaymentConfig,
  store: (config) => store(config.databaseUrl).describe,
  make,
})

if (import.meta.main) Executable.runMain(program, { defaultPort })
