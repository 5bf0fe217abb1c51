/**
 * Sessions in Redis (when `REDIS_URL` is set): one JSON string per session under `web:session:<id>`,
 * expiring after the session's time to live without use (renewed at every read and save); every
 * instance sees them.
 * Connected at start, so an unreachable server stops the service before it serves.
 */
import { StoreError, StoreUnavailable } from "@flight/runtime"
import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Redis } from "ioredis"
import { type Session, SessionStore } from "../domain/Session.ts"

export const name = "redis"

/** Host and port only: what a log may say of the server. */
export const address = (url: Redacted.Redacted<URL>): string => {
  const { hostname, port } = Redacted.value(url)
  return `${hostname}:${port === "" ? "6379" : port}`
}

const keyOf = (id: string) => `web:session:${id}`

const Stored = Schema.parseJson(Schema.Struct({
  id: Schema.String,
  csrf: Schema.String,
  account: Schema.NullOr(Schema.Struct({
    sessionToken: Schema.String,
    accessToken: Schema.String,
    accessExpiresAt: Schema.Number,
    sub: Schema.String,
    email: Schema.String,
    name: Schema.String,
    roles: Schema.Array(Schema.String),
  })),
  guests: Schema.Record({ key: Schema.String, value: Schema.Struct({ reference: Schema.String, token: Schema.String }) }),
  flash: Schema.NullOr(Schema.Struct({ kind: Schema.Literal("info", "error"), text: Schema.String })),
}))
const decode = Schema.decodeUnknownOption(Stored)
const encode = Schema.encodeSync(Stored)

export const layer = (url: Redacted.Redacted<URL>, ttl: Duration.DurationInput, options: { readonly prefix?: string } = {}) =>
  Layer.scoped(
    SessionStore,
    Effect.gen(function* () {
      const seconds = Math.max(1, Math.ceil(Duration.toSeconds(Duration.decode(ttl))))
      const prefix = options.prefix ?? ""
      const client = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const client = new Redis(Redacted.value(url).href, { lazyConnect: true, connectionName: "web", maxRetriesPerRequest: 2 })
            client.on("error", () => undefined)
            await client.connect()
            return client
          },
          catch: (cause) =>
            new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: ${StoreError.reasonOf(cause)}`, cause }),
        }).pipe(Effect.timeoutFail({
          duration: "10 seconds",
          onTimeout: () => new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: no answer in 10 s` }),
        })),
        (client) => Effect.promise(() => client.quit().catch(() => undefined)).pipe(Effect.timeout("2 seconds"), Effect.ignore),
      )
      // A store that fails is a visitor without a session (a new one is made): logged, never a 500 page.
      const quietly = <A>(what: string, fallback: A) => (promise: () => Promise<A>) =>
        Effect.tryPromise(promise).pipe(
          Effect.catchAll((error) => Effect.logWarning(`Session store: ${what} failed`, error).pipe(Effect.as(fallback))),
        )
      return SessionStore.of({
        name,
        get: (id) =>
          // GETEX renews the time to live at each use (Redis 6.2 and later): a session ends after TTL unused.
          quietly("get", null as string | null)(() => client.getex(keyOf(prefix + id), "EX", seconds)).pipe(
            Effect.map((text) => text === null ? Option.none() : decode(text) as Option.Option<Session>),
          ),
        save: (session) => quietly("save", undefined)(() => client.set(keyOf(prefix + session.id), encode(session), "EX", seconds).then(() => undefined)),
        remove: (id) => quietly("remove", undefined)(() => client.del(keyOf(prefix + id)).then(() => undefined)),
        check: Effect.tryPromise({ try: () => client.ping(), catch: (cause) => new Error(`Redis: ${String(cause)}`) }),
      })
    }),
  )
