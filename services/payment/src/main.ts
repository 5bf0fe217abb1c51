/**
 * The payment service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/payment/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { ServiceBus } from "@flight/bus"
import { ServiceMain, StoreHealthLayer } from "@flight/runtime"
import type { Option, Redacted } from "effect"
import * as PaymentApi from "./api/PaymentApi.ts"
import { PaymentConfig, defaultPort } from "./infrastructure/PaymentConfig.ts"
import * as PostgresStore from "./infrastructure/PostgresStore.ts"

export { PaymentConfig, defaultPort }

export const service = "payment"

export interface Options {
  readonly port: number
  /** PostgreSQL when set; the in-memory store otherwise. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<URL>>
}

/** PostgreSQL when its URL is set, in memory otherwise. */
const store = (url: Options["databaseUrl"]) =>
  ServiceBus.store(url, {
    describe: (url) => `PostgreSQL ${PostgresStore.address(url)}`,
    inMemory: StoreHealthLayer.inMemory,
    layer: (url) => PostgresStore.layer(url, { applicationName: service }),
  })

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({ service, port: options.port, store: store(options.databaseUrl), app: PaymentApi.make })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: PaymentConfig,
  store: (config) => store(config.databaseUrl).describe,
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
