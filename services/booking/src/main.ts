/**
 * The booking service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/booking/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { AuthConfig, TokenVerifier } from "@flight/auth"
import { MessageBus, Outbox, ServiceBus } from "@flight/bus"
import { ClientAddress, Executable, type StoreHealth } from "@flight/runtime"
import { Duration, Effect, Layer, Option, type Redacted } from "effect"
import * as BookingApi from "./api/BookingApi.ts"
import * as BookingEvents from "./application/BookingEvents.ts"
import { BookingCommands, HoldTtl, MaxHeldSeats } from "./application/BookingCommands.ts"
import { BookingQueries } from "./application/BookingQueries.ts"
import * as ExpirySweeper from "./application/ExpirySweeper.ts"
import type { BookingRepository } from "./domain/BookingRepository.ts"
import { defaultMaxHeldSeats } from "./domain/HoldLimit.ts"
import { BookingConfig, defaultPort } from "./infrastructure/BookingConfig.ts"
import * as InMemoryBookingRepository from "./infrastructure/InMemoryBookingRepository.ts"
import * as RedisBookingRepository from "./infrastructure/RedisBookingRepository.ts"
import * as RedisIndexRebuild from "./infrastructure/RedisIndexRebuild.ts"
import * as RedisStore from "./infrastructure/RedisStore.ts"
import * as GuestTokens from "./infrastructure/GuestTokens.ts"

export { BookingConfig, defaultPort }

export const service = "booking"

export interface Options {
  readonly port: number
  /** Redis when set; the in-memory store otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** How long a new booking holds its seats; 15 minutes by default. */
  readonly holdTtl?: Duration.Duration
  /** How many seats one holder may hold at once; 9 by default (DESIGN §10). */
  readonly maxHeldSeats?: number
  /** How to find the client's address behind a proxy; the connection's own address when not given. */
  readonly clientAddress?: ClientAddress.Settings
  /** How often the sweeper looks for holds that ran out; 1 second by default. */
  readonly sweepInterval?: Duration.DurationInput
  /** The Redis keys' prefix: "booking" unless given (tests take one of their own). */
  readonly redisKeyPrefix?: string
  /** Whose tokens it accepts; the identity service of `./run start` when not given. */
  readonly auth?: AuthConfig.Settings
  /** How it signs guest tokens; `http://localhost:3001`, a key made at start and 2 hours when not given. */
  readonly guest?: Partial<Omit<GuestTokens.Settings, "audience">>
}

export const defaultHoldTtl = Duration.minutes(15)

/** The application on a store: commands and queries over the repository. */
const application = <E>(
  store: Layer.Layer<BookingRepository | Outbox.Store | StoreHealth, E>,
  holdTtl: Duration.Duration,
  maxHeldSeats: number,
) =>
  Layer.provideMerge(
    Layer.mergeAll(BookingCommands.Default, BookingQueries.Default),
    Layer.mergeAll(store, Layer.succeed(HoldTtl, holdTtl), Layer.succeed(MaxHeldSeats, maxHeldSeats)),
  )

/** The whole service on the in-memory store, as the embedded mode and the HTTP tests build it. */
export const inMemoryLayer = (holdTtl: Duration.Duration = defaultHoldTtl, maxHeldSeats: number = defaultMaxHeldSeats) =>
  application(InMemoryBookingRepository.layer, holdTtl, maxHeldSeats)

/** The whole service on Redis, its indexes rebuilt for bookings older than them (once per store). */
export const redisLayer = (
  url: Redacted.Redacted<URL>,
  holdTtl: Duration.Duration = defaultHoldTtl,
  prefix?: string,
  maxHeldSeats: number = defaultMaxHeldSeats,
) =>
  application(
    Layer.merge(
      RedisBookingRepository.layerWith(prefix === undefined ? {} : { prefix }),
      RedisIndexRebuild.layerWith(prefix === undefined ? {} : { prefix }),
    ).pipe(
      Layer.provideMerge(RedisStore.layer(url, { connectionName: service })),
    ),
    holdTtl,
    maxHeldSeats,
  )

/**
 * The guest issuer and the verifier: identity's tokens (over HTTP) and the service's own guest
 * tokens, verified with its own keys in the process (decision 17).
 */
export const security = (
  auth: AuthConfig.Settings,
  guest: Partial<Omit<GuestTokens.Settings, "audience">> = {},
): Layer.Layer<GuestTokens.GuestTokens | TokenVerifier.TokenVerifier> => {
  const tokens = GuestTokens.layer({
    issuer: guest.issuer ?? AuthConfig.defaultGuestIssuer,
    audience: auth.audience,
    ttl: guest.ttl ?? Duration.hours(2),
    key: guest.key ?? Option.none(),
    publishedKeys: guest.publishedKeys ?? [],
  })
  const verifier = Layer.effect(
    TokenVerifier.TokenVerifier,
    Effect.gen(function* () {
      const own = yield* GuestTokens.GuestTokens
      const accounts = yield* TokenVerifier.remote(AuthConfig.remoteOptions(auth))
      const guests = TokenVerifier.fromKeySet({ issuer: own.issuer, audience: auth.audience, tokens: "guests" }, GuestTokens.keySet(own))
      return TokenVerifier.trusting(accounts, { issuer: own.issuer, verifier: guests })
    }),
  )
  return Layer.provideMerge(verifier, tokens)
}

/** Redis when its URL is set, in memory otherwise. */
const store = (options: Options) =>
  ServiceBus.store(options.redisUrl, {
    describe: (url) => `Redis ${RedisStore.address(url)}`,
    layer: (url) => redisLayer(url, options.holdTtl ?? defaultHoldTtl, options.redisKeyPrefix, options.maxHeldSeats),
    inMemory: inMemoryLayer(options.holdTtl ?? defaultHoldTtl, options.maxHeldSeats),
  })

/**
 * What runs beside the HTTP server: the consumer (flight and payment events), the sweeper that
 * expires holds, and the relay that publishes the outbox.
 */
const workers = (options: Options) =>
  Effect.gen(function* () {
    const bus = yield* MessageBus
    yield* bus.consume(yield* BookingEvents.consumer)
    yield* ExpirySweeper.start({ interval: options.sweepInterval ?? "1 second" })
    yield* Outbox.startRelay(yield* Outbox.Store, { idleDelay: "1 second" })
  })

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const clientAddress = options.clientAddress ?? ClientAddress.direct
    for (const warning of ClientAddress.warnings(clientAddress)) yield* Effect.logWarning(warning)
    return yield* ServiceBus.serve({
      service,
      port: options.port,
      store: ServiceBus.alongside(store(options), security(options.auth ?? AuthConfig.defaults, options.guest)),
      app: (runtime: Parameters<typeof BookingApi.make>[0]) => BookingApi.make(runtime, { clientAddress }),
      workers: workers(options),
    })
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: BookingConfig,
  store: (config) => store(config).describe,
  make,
})

if (import.meta.main) Executable.runMain(program, { defaultPort })
