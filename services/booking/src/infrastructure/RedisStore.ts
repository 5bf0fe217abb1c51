/**
 * The Redis connection (ioredis) for the life of the service: connected at start, so a wrong or
 * unreachable REDIS_URL stops the service before it serves, and closed with QUIT on shutdown. It
 * answers the store's readiness check with PING. In production it warns at start when the server
 * keeps nothing on disk (RedisPersistence).
 */
import { StoreError, StoreHealth, StoreUnavailable } from "@flight/runtime"
import { Context, Effect, Layer, Redacted, Runtime } from "effect"
import { Redis } from "ioredis"
import * as RedisPersistence from "./RedisPersistence.ts"

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

const { reasonOf } = StoreError

/** The client, created at once and ended with the scope (QUIT, then disconnect). */
interface Connection {
  readonly client: Redis
  readonly state: { lastError: string | undefined; connected: boolean }
}

const makeClient = (url: Redacted.Redacted<URL>, options: Options): Effect.Effect<Connection> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const log = (effect: Effect.Effect<void>) => Runtime.runFork(runtime)(effect)
    const client = new Redis(Redacted.value(url).href, {
      lazyConnect: true,
      connectionName: options.connectionName ?? "booking",
      // Commands issued in the same tick go out in one write (in their order): a hold's writes and
      // script, the relay's reads of several flights, concurrent requests' commands.
      enableAutoPipelining: true,
    })
    // ioredis reconnects by itself and reports each failed attempt: log when the state changes only.
    const state: Connection["state"] = { lastError: undefined, connected: false }
    client.on("error", (error: Error) => {
      if (state.connected && error.message !== state.lastError) log(Effect.logWarning(`Redis connection error: ${error.message}`))
      state.lastError = error.message
    })
    client.on("ready", () => {
      if (state.connected && state.lastError !== undefined) log(Effect.logInfo("Redis connection restored"))
      state.connected = true
      state.lastError = undefined
    })
    return { client, state }
  })

/**
 * Connects, at most for 10 s: ioredis's own connect timeout stops counting once TCP is up, so a
 * server that accepts and never answers would hold the start forever. Interruptible, so a
 * SIGTERM during start is honoured at once.
 */
const connect = (url: Redacted.Redacted<URL>, { client, state }: Connection) =>
  // Layers are built uninterruptibly: without this, the timeout would wait for the connect it races.
  Effect.interruptible(Effect.tryPromise({
    try: () => client.connect(),
    catch: (cause) => new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: ${state.lastError ?? reasonOf(cause)}`, cause }),
  })).pipe(
    Effect.timeoutFail({
      duration: "10 seconds",
      onTimeout: () => new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: no answer in 10 s` }),
    }),
  )

const quit = (client: Redis) =>
  // Finalizers are uninterruptible: without this, the timeout would wait for a QUIT never answered.
  Effect.interruptible(Effect.tryPromise(() => client.quit())).pipe(
    Effect.timeout("2 seconds"),
    Effect.ignore,
    Effect.ensuring(Effect.sync(() => client.disconnect())),
  )

// Read the status at each check, not once: a client that is down fails at once instead of
// queueing a PING until the readiness timeout.
const ping = (client: Redis): Effect.Effect<void, StoreUnavailable> =>
  Effect.suspend(() =>
    client.status === "ready"
      ? Effect.tryPromise({
        try: () => client.ping(),
        catch: (cause) => new StoreUnavailable({ store: name, reason: reasonOf(cause), cause }),
      }).pipe(Effect.asVoid)
      : Effect.fail(new StoreUnavailable({ store: name, reason: `connection ${client.status}` }))
  )

/** The Redis client and the store's health check, for as long as the layer's scope is open. */
export const layer = (
  url: Redacted.Redacted<URL>,
  options: Options = {},
): Layer.Layer<RedisClient | StoreHealth, StoreUnavailable> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const made = yield* Effect.acquireRelease(makeClient(url, options), ({ client }) => quit(client))
      yield* connect(url, made)
      yield* RedisPersistence.warnInProduction(made.client, address(url))
      return Context.make(RedisClient, made.client).pipe(Context.add(StoreHealth, { name, check: ping(made.client) }))
    }),
  )
