/**
 * The flight service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/flight/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { AuthConfig, TokenVerifier } from "@flight/auth"
import { MessageBus, Outbox, ServiceBus } from "@flight/bus"
import { Executable, type StoreHealth } from "@flight/runtime"
import { Duration, Effect, Layer, type Option } from "effect"
import * as FlightApi from "./api/FlightApi.ts"
import * as BookingEvents from "./application/BookingEvents.ts"
import { FlightCommands } from "./application/FlightCommands.ts"
import { FlightQueries } from "./application/FlightQueries.ts"
import type { FlightRepository } from "./domain/FlightRepository.ts"
import { FlightConfig, defaultPort } from "./infrastructure/FlightConfig.ts"
import * as InMemoryFlightRepository from "./infrastructure/InMemoryFlightRepository.ts"
import * as MongoFlightRepository from "./infrastructure/MongoFlightRepository.ts"
import * as MongoStore from "./infrastructure/MongoStore.ts"

export { FlightConfig, defaultPort }

export const service = "flight"

export interface Options {
  readonly port: number
  /** MongoDB when set; the in-memory store otherwise. */
  readonly mongodbUrl: Option.Option<MongoStore.MongoUrl>
  /** Whose tokens it accepts; the identity service of `./run start` when not given. */
  readonly auth?: AuthConfig.Settings
}

/** The application on a store: commands and queries over the repository. */
const application = <E>(store: Layer.Layer<FlightRepository | Outbox.Store | StoreHealth, E>) =>
  Layer.provideMerge(Layer.mergeAll(FlightCommands.Default, FlightQueries.Default), store)

/** The whole service on the in-memory store, as the embedded mode and the HTTP tests build it. */
export const inMemoryLayer = application(InMemoryFlightRepository.layer)

/** The whole service on MongoDB. */
export const mongoLayer = (url: MongoStore.MongoUrl) =>
  application(MongoFlightRepository.layer.pipe(Layer.provideMerge(MongoStore.layer(url, { appName: service }))))

/** MongoDB when its URL is set, in memory otherwise. */
const store = (url: Options["mongodbUrl"]) =>
  ServiceBus.store(url, {
    describe: (url) => `MongoDB ${MongoStore.address(url)}`,
    layer: mongoLayer,
    inMemory: inMemoryLayer,
  })

/**
 * How long the relay waits once woken. No step of a saga waits on the flight's events, and each pass
 * costs FerretDB a scan of the flights for candidates and, per document, a lease, a read and a
 * completion (decision 27).
 */
const relayLinger = Duration.millis(200)

/**
 * What runs beside the HTTP server: the consumer of booking events, and the relay that publishes
 * the outbox. Writes of this process wake the relay, which lingers a moment so that the writes of
 * that moment go out in one pass (decision 27); the poll finds what another instance left.
 */
const workers = Effect.gen(function* () {
  const bus = yield* MessageBus
  yield* bus.consume(yield* BookingEvents.consumer)
  yield* Outbox.startRelay(yield* Outbox.Store, { idleDelay: "1 second", linger: relayLinger })
})

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({
    service,
    port: options.port,
    store: ServiceBus.alongside(store(options.mongodbUrl), TokenVerifier.layerSettings(options.auth ?? AuthConfig.defaults)),
    app: FlightApi.make,
    workers,
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: FlightConfig,
  store: (config) => store(config.mongodbUrl).describe,
  make,
})

if (import.meta.main) Executable.runMain(program, { defaultPort })
