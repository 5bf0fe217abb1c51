/**
 * The MongoDB connection for the life of the service: connected at start, so a wrong or
 * unreachable MONGODB_URL stops the service before it serves, and closed on shutdown. It answers
 * the store's readiness check with the `ping` command.
 */
import { StoreHealth, StoreUnavailable } from "@flight/runtime"
import { Context, Effect, Layer, Redacted } from "effect"
import { type Db, MongoClient } from "mongodb"

export const name = "mongodb"

/** The client and the service's database, for the adapters that keep the flight catalogue. */
export class MongoDatabase extends Context.Tag("flight/MongoDatabase")<MongoDatabase, {
  readonly client: MongoClient
  readonly db: Db
}>() {}

export interface Options {
  /** Shown in the server's connection metadata. */
  readonly appName?: string
  /** How long the driver looks for a usable server before an operation (or the start) fails. */
  readonly serverSelectionTimeoutMS?: number
}

/** The database of the URL's path, or "flight" when the URL names none. */
export const databaseName = (url: Redacted.Redacted<URL>): string => {
  const path = decodeURIComponent(Redacted.value(url).pathname.replace(/^\//, ""))
  return path === "" ? "flight" : path
}

/** The hosts only: what the logs may say about the server, never its credentials. */
export const address = (url: Redacted.Redacted<URL>): string => `${Redacted.value(url).host}/${databaseName(url)}`

const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const connect = (url: Redacted.Redacted<URL>, options: Options) =>
  Effect.gen(function* () {
    const client = yield* Effect.try({
      try: () =>
        new MongoClient(Redacted.value(url).href, {
          appName: options.appName ?? "flight",
          serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
        }),
      catch: (cause) => new StoreUnavailable({ store: name, reason: `invalid connection string: ${reasonOf(cause)}`, cause }),
    })
    yield* Effect.tryPromise({
      try: () => client.connect(),
      catch: (cause) => new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: ${reasonOf(cause)}`, cause }),
    }).pipe(Effect.tapError(() => close(client)))
    return { client, db: client.db(databaseName(url)) }
  })

const close = (client: MongoClient) => Effect.promise(() => client.close()).pipe(Effect.timeout("5 seconds"), Effect.ignore)

const ping = (db: Db): Effect.Effect<void, StoreUnavailable> =>
  Effect.tryPromise({
    try: () => db.command({ ping: 1 }),
    catch: (cause) => new StoreUnavailable({ store: name, reason: reasonOf(cause), cause }),
  }).pipe(Effect.asVoid)

/** The MongoDB client and the store's health check, for as long as the layer's scope is open. */
export const layer = (
  url: Redacted.Redacted<URL>,
  options: Options = {},
): Layer.Layer<MongoDatabase | StoreHealth, StoreUnavailable> =>
  Layer.scopedContext(
    Effect.acquireRelease(connect(url, options), ({ client }) => close(client)).pipe(
      Effect.map((database) =>
        Context.make(MongoDatabase, database).pipe(Context.add(StoreHealth, { name, check: ping(database.db) }))
      ),
    ),
  )
