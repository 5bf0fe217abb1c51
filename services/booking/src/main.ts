/**
 * The booking service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/booking/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { ServiceBus } from "@flight/bus"
import { ServiceMain, StoreHealthLayer } from "@flight/runtime"
import type { Option, Redacted } from "effect"
import * as BookingApi from "./api/BookingApi.ts"
import { BookingConfig, defaultPort } from "./infrastructure/BookingConfig.ts"
import * as RedisStore from "./infrastructure/RedisStore.ts"

export { BookingConfig, defaultPort }

export const service = "booking"

export interface Options {
  readonly port: number
  /** Redis when set; the in-memory store otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
}

/** Redis when its URL is set, in memory otherwise. */
const store = (url: Options["redisUrl"]) =>
  ServiceBus.store(url, {
    describe: (url) => `Redis ${RedisStore.address(url)}`,
    inMemory: StoreHealthLayer.inMemory,
    layer: (url) => RedisStore.layer(url, { connectionName: service }),
  })

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({ service, port: options.port, store: store(options.redisUrl), app: BookingApi.make })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: BookingConfig,
  store: (config) => store(config.redisUrl).describe,
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
