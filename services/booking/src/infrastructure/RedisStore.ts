/**
 * The Redis connection (ioredis) for the life of the service: connected at start, so a wrong or
 * unreachable REDIS_URL stops the service before it serves, and closed with QUIT on shutdown. It
 * answers the store's readiness check with PING.
 */
import { StoreHealth, StoreUnavailable } from "@flight/runtime"
import { Context, Effect, Layer, Redacted, Runtime } from "effect"
import { Redis } from "ioredis"

export const name = "redis"

/** The ioredis client, for the adapters that keep the booking state in Redis. */
export class RedisClient extends Context.Tag("booking/RedisClient")<RedisClient, Redis>() {}

export interface Options {
  /** Shown in Redis' CLIENT LIST. */
  readonly connectionName?: string
}

/** Host and port only: what the logs may say about the server, never its credentials. */
export const address = (url: Redacted.Redacted<URL>): string => {
  const { hostname, port } = Redacted.value(url)
  return `${hostname}:${port === "" ? "6379" : port}`
}

const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const connect = (url: Redacted.Redacted<URL>, options: Options) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const log = (effect: Effect.Effect<void>) => Runtime.runFork(runtime)(effect)
    const client = new Redis(Redacted.value(url).href, {
      lazyConnect: true,
      connectionName: options.connectionName ?? "booking",
    })
    // ioredis reconnects by itself and reports each failed attempt: log when the state changes only.
    let lastError: string | undefined
    let connected = false
    client.on("error", (error: Error) => {
      if (connected && error.message !== lastError) log(Effect.logWarning(`Redis connection error: ${error.message}`))
      lastError = error.message
    })
    client.on("ready", () => {
      if (connected && lastError !== undefined) log(Effect.logInfo("Redis connection restored"))
      connected = true
      lastError = undefined
    })
    yield* Effect.tryPromise({
      try: () => client.connect(),
      catch: (cause) => {
        // Stop the reconnection attempts of a client that never came up.
        client.disconnect()
        return new StoreUnavailable({
          store: name,
          reason: `cannot connect to ${address(url)}: ${lastError ?? reasonOf(cause)}`,
          cause,
        })
      },
    })
    return client
  })

const quit = (client: Redis) =>
  Effect.tryPromise(() => client.quit()).pipe(
    Effect.timeout("2 seconds"),
    Effect.ignore,
    Effect.ensuring(Effect.sync(() => client.disconnect())),
  )

const ping = (client: Redis): Effect.Effect<void, StoreUnavailable> =>
  client.status === "ready"
    ? Effect.tryPromise({
      try: () => client.ping(),
      catch: (cause) => new StoreUnavailable({ store: name, reason: reasonOf(cause), cause }),
    }).pipe(Effect.asVoid)
    : Effect.fail(new StoreUnavailable({ store: name, reason: `connection ${client.status}` }))

/** The Redis client and the store's health check, for as long as the layer's scope is open. */
export const layer = (
  url: Redacted.Redacted<URL>,
  options: Options = {},
): Layer.Layer<RedisClient | StoreHealth, StoreUnavailable> =>
  Layer.scopedContext(
    Effect.acquireRelease(connect(url, options), quit).pipe(
      Effect.map((client) =>
        Context.make(RedisClient, client).pipe(Context.add(StoreHealth, { name, check: ping(client) }))
      ),
    ),
  )
