/**
 * The flight service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/flight/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { ServiceBus } from "@flight/bus"
import { ServiceMain } from "@flight/runtime"
import type { Option } from "effect"
import * as FlightApi from "./api/FlightApi.ts"
import { FlightConfig, defaultPort } from "./infrastructure/FlightConfig.ts"
import * as MongoStore from "./infrastructure/MongoStore.ts"

export { FlightConfig, defaultPort }

export const service = "flight"

export interface Options {
  readonly port: number
  /** MongoDB when set; the in-memory store otherwise. */
  readonly mongodbUrl: Option.Option<MongoStore.MongoUrl>
}

/** MongoDB when its URL is set, in memory otherwise. */
const store = (url: Options["mongodbUrl"]) =>
  ServiceBus.store(url, {
    describe: (url) => `MongoDB ${MongoStore.address(url)}`,
    layer: (url) => MongoStore.layer(url, { appName: service }),
  })

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({ service, port: options.port, store: store(options.mongodbUrl), app: FlightApi.make })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: FlightConfig,
  store: (config) => store(config.mongodbUrl).describe,
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
