/**
 * better-auth on PostgreSQL, in tables of its own (`identity_*`), through a pg Pool for the life of
 * the service. At start it checks the connection, then, holding an advisory lock so that instances
 * starting at once take turns, creates what is missing of its tables (better-auth's migrations)
 * and makes the first signing key. Readiness asks `SELECT 1`.
 */
import { StoreHealth, StoreUnavailable } from "@flight/runtime"
import * as PostgresStore from "@flight/runtime/postgres"
import { getMigrations } from "better-auth/db/migration"
import { Context, Effect, Layer, Redacted, Runtime } from "effect"
import { Pool } from "pg"
import * as BetterAuth from "./BetterAuth.ts"

const name = PostgresStore.name

/** The advisory lock the migrations take turns on. */
export const migrationLock = "identity_migrations"

const unavailable = (url: Redacted.Redacted<URL>, what: string) => (cause: unknown) =>
  new StoreUnavailable({
    store: name,
    reason: `${what} (${PostgresStore.address(url)}): ${PostgresStore.reasonOf(cause instanceof Error ? cause : { message: String(cause) })}`,
    cause,
  })

const pool = (url: Redacted.Redacted<URL>) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const runtime = yield* Effect.runtime<never>()
      const pool = new Pool({ connectionString: Redacted.value(url).href, application_name: "identity", connectionTimeoutMillis: 5_000, max: 10 })
      // An idle connection the server closed is dropped by the pool and replaced at the next query;
      // unheard, the event would end the process.
      pool.on("error", (error) => Runtime.runFork(runtime)(Effect.logWarning(`An idle PostgreSQL connection failed: ${error.message}`)))
      return pool
    }),
    (pool) => Effect.promise(() => pool.end()),
  )

/** Runs `effect` while holding the migration lock on a connection of its own. */
const withMigrationLock = <A, E>(pool: Pool, url: Redacted.Redacted<URL>, effect: Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.tryPromise({
      try: async () => {
        const client = await pool.connect()
        try {
          await client.query("SELECT pg_advisory_lock(hashtext($1))", [migrationLock])
        } catch (error) {
          client.release(true)
          throw error
        }
        return client
      },
      catch: unavailable(url, "cannot take the migration lock"),
    }),
    () => effect,
    (client) =>
      Effect.promise(() => client.query("SELECT pg_advisory_unlock(hashtext($1))", [migrationLock]).then(() => client.release(), () => client.release(true))),
  )

/** Creates what is missing of better-auth's tables; answers the tables created and those given columns. */
export const migrate = (options: BetterAuth.Options, url: Redacted.Redacted<URL>) =>
  Effect.tryPromise({
    try: async () => {
      const plan = await getMigrations(options)
      await plan.runMigrations()
      return { created: plan.toBeCreated.map((table) => table.table), altered: plan.toBeAdded.map((table) => table.table) }
    },
    catch: unavailable(url, "cannot migrate the identity tables"),
  })

export const layer = (url: Redacted.Redacted<URL>, settings: BetterAuth.Settings): Layer.Layer<BetterAuth.IdentityAuth | StoreHealth, StoreUnavailable> =>
  Layer.scopedContext(Effect.gen(function* () {
    const connections = yield* pool(url)
    yield* Effect.tryPromise({ try: () => connections.query("SELECT 1"), catch: unavailable(url, "cannot connect") })
    const made = yield* BetterAuth.make(settings, connections, "database")
    yield* withMigrationLock(connections, url, Effect.gen(function* () {
      const { altered, created } = yield* migrate(made.options, url)
      if (created.length + altered.length > 0) {
        yield* Effect.logInfo(`Migrated the identity tables: created ${created.join(", ") || "none"}; columns added to ${altered.join(", ") || "none"}`)
      }
      yield* BetterAuth.mintFirstKey(made.auth)
    }))
    const health = {
      name,
      check: Effect.tryPromise({ try: () => connections.query("SELECT 1"), catch: unavailable(url, "SELECT 1 failed") }).pipe(
        Effect.asVoid,
        Effect.withTracerEnabled(false),
      ),
    }
    return Context.make(BetterAuth.IdentityAuth, made).pipe(Context.add(StoreHealth, health))
  }))
