/**
 * The MongoDB connection for the life of the service: connected at start, so a wrong or
 * unreachable MONGODB_URL stops the service before it serves, and closed on shutdown. It answers
 * the store's readiness check with the `ping` command, and makes the adapters' driver calls Effects.
 */
import { Spans, StoreError, StoreHealth, StoreUnavailable } from "@flight/runtime"
import { Config, ConfigError, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { type Db, MongoClient } from "mongodb"
import { FlightStoreError } from "../domain/FlightRepository.ts"

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

/** A MongoDB connection string as the service reads it: the text for the driver, its hosts and path. */
export interface ConnectionString {
  readonly href: string
  readonly hosts: ReadonlyArray<string>
  /** The path after the hosts, without its leading slash: the database, %-encoded. */
  readonly path: string
}

/**
 * Redacted: it may carry a password. One host or several (a replica set,
 * `mongodb://a:27017,b:27017/db?replicaSet=rs0`), or `mongodb+srv://`; the URL class cannot read
 * several hosts, so the form is checked here and the driver checks the rest at connect.
 */
export type MongoUrl = Redacted.Redacted<ConnectionString>

const connectionString = /^mongodb(?:\+srv)?:\/\/(?:[^@/?#]*@)?([^@/?#]+)(?:\/([^?#]*))?(?:\?[^#]*)?$/

export const parse = (text: string): Option.Option<ConnectionString> => {
  const match = connectionString.exec(text)
  if (match === null) return Option.none()
  const hosts = match[1]!.split(",")
  if (hosts.some((host) => !/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/.test(host))) return Option.none()
  return Option.some({ href: text, hosts, path: match[2] ?? "" })
}

/** MONGODB_URL, optional; a value that is not a connection string fails naming the variable, never quoting it. */
export const optionalUrl = (variable: string): Config.Config<Option.Option<MongoUrl>> =>
  Config.string(variable).pipe(
    Config.option,
    Config.mapOrFail((value) => {
      if (Option.isNone(value) || value.value.trim() === "") return Either.right(Option.none())
      return Option.match(parse(value.value.trim()), {
        onSome: (url) => Either.right(Option.some(Redacted.make(url))),
        onNone: () =>
          Either.left(ConfigError.InvalidData(
            [variable],
            "Expected a MongoDB connection string: mongodb://host[:port][,host[:port]...]/database or mongodb+srv://host/database",
          )),
      })
    }),
  )

/** The database of the URL's path, or "flight" when the URL names none. */
export const databaseName = (url: MongoUrl): string => {
  const raw = Redacted.value(url).path
  let path = raw
  try {
    path = decodeURIComponent(raw)
  } catch {
    // A malformed escape: the driver reports the name as it is.
  }
  return path === "" ? "flight" : path
}

/** The hosts, and the database when its name is plain: what the logs may say, never credentials. */
export const address = (url: MongoUrl): string => {
  const hosts = Redacted.value(url).hosts.join(",")
  const database = databaseName(url)
  return /^[A-Za-z0-9_.-]+$/.test(database) ? `${hosts}/${database}` : hosts
}

export const { reasonOf } = StoreError

/**
 * A driver call on a collection as an Effect: interruptible, in a client span (DESIGN §8: a span
 * per store call), its failure a FlightStoreError naming the operation.
 */
export const call = (collection: string) => <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, FlightStoreError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new FlightStoreError({ operation, reason: reasonOf(cause) }) }).pipe(
    Spans.within(`mongodb ${operation}`, {
      kind: "client",
      attributes: { "db.system.name": name, "db.collection.name": collection, "db.operation.name": operation },
    }),
  )

const connect = (url: MongoUrl, options: Options) =>
  Effect.gen(function* () {
    const client = yield* Effect.try({
      try: () =>
        new MongoClient(Redacted.value(url).href, {
          appName: options.appName ?? "flight",
          serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
        }),
      catch: (cause) => new StoreUnavailable({ store: name, reason: `invalid connection string: ${reasonOf(cause)}`, cause }),
    })
    // Interruptible (layers are built uninterruptibly), so a SIGTERM during start is honoured at once.
    yield* Effect.interruptible(Effect.tryPromise({
      try: () => client.connect(),
      catch: (cause) => new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: ${reasonOf(cause)}`, cause }),
    })).pipe(Effect.onExit((exit) => (exit._tag === "Failure" ? close(client) : Effect.void)))
    return { client, db: client.db(databaseName(url)) }
  })

// Interruptible, or the timeout (in a finalizer, which is not) would wait for the close it races.
const close = (client: MongoClient) =>
  Effect.interruptible(Effect.promise(() => client.close())).pipe(Effect.timeout("5 seconds"), Effect.ignore)

const ping = (db: Db): Effect.Effect<void, StoreUnavailable> =>
  Effect.tryPromise({
    try: () => db.command({ ping: 1 }),
    catch: (cause) => new StoreUnavailable({ store: name, reason: reasonOf(cause), cause }),
  }).pipe(Effect.asVoid)

/** The MongoDB client and the store's health check, for as long as the layer's scope is open. */
export const layer = (
  url: MongoUrl,
  options: Options = {},
): Layer.Layer<MongoDatabase | StoreHealth, StoreUnavailable> =>
  Layer.scopedContext(
    Effect.acquireRelease(connect(url, options), ({ client }) => close(client)).pipe(
      Effect.map((database) =>
        Context.make(MongoDatabase, database).pipe(Context.add(StoreHealth, { name, check: ping(database.db) }))
      ),
    ),
  )
