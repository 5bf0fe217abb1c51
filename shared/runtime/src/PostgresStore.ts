/**
 * The PostgreSQL connection pool (@effect/sql-pg) for the life of the service: it runs `SELECT 1`
 * at start, so a wrong or unreachable DATABASE_URL stops the service before it serves, and ends
 * the pool on shutdown. It answers the store's readiness check with `SELECT 1` as well. Its
 * connections prepare each statement with parameters once (`PreparedStatements`).
 */
import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import * as Migrator from "@effect/sql/Migrator"
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Layer, Redacted } from "effect"
import pg from "pg"
import * as PreparedStatements from "./PreparedStatements.ts"
import { StoreHealth, StoreUnavailable } from "./StoreHealth.ts"

export const name = "postgresql"

export interface Options {
  /** The service, shown in pg_stat_activity. */
  readonly applicationName: string
}

/** Host, port and database only: what the logs may say about the server, never its credentials. */
export const address = (url: Redacted.Redacted<URL>): string => {
  const { host, pathname } = Redacted.value(url)
  const database = pathname.replace(/^\//, "")
  return /^[A-Za-z0-9_.-]+$/.test(database) ? `${host}/${database}` : host
}

// pg reports a refused connection to a host with several addresses as an AggregateError without
// a message of its own: the reasons are in its errors.
const causeOf = (cause: unknown): string => {
  if (cause instanceof AggregateError && cause.message === "") return cause.errors.map(causeOf).join("; ")
  if (cause instanceof Error) return cause.message === "" ? cause.name : cause.message
  return String(cause)
}

/**
 * What went wrong, as logs and dead-letter reasons should say it: @effect/sql's SqlError says only
 * "Failed to execute statement"; the server's message and SQLSTATE are in its cause.
 */
export const reasonOf = (error: { readonly message: string; readonly cause?: unknown }): string => {
  if (error.cause === undefined || error.cause === null) return error.message
  const code = (error.cause as { readonly code?: unknown }).code
  return `${error.message}: ${causeOf(error.cause)}${typeof code === "string" ? ` (SQLSTATE ${code})` : ""}`
}

const health = Effect.map(SqlClient.SqlClient, (sql) => ({
  name,
  // A readiness probe every few seconds would fill the traces: the check is not traced.
  check: sql`SELECT 1`.pipe(
    Effect.asVoid,
    Effect.mapError((error) => new StoreUnavailable({ store: name, reason: causeOf(error.cause ?? error), cause: error })),
    Effect.withTracerEnabled(false),
  ),
}))

/** Bounds the wait for a connection: a server that accepts TCP and never answers would otherwise hold the start (and readiness) forever. */
const connectTimeout = Duration.seconds(5)

/**
 * The connection pool, its connections `PreparingClient`s (each statement with parameters prepared
 * once per connection), checked with `SELECT 1` before the service starts and ended on shutdown, as
 * `PgClient.layer` does with a pool of its own.
 */
const pool = (url: Redacted.Redacted<URL>, options: Options) =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const pool = new pg.Pool({
        connectionString: Redacted.value(url).href,
        application_name: options.applicationName,
        connectionTimeoutMillis: Duration.toMillis(connectTimeout),
        Client: PreparedStatements.PreparingClient,
      })
      // A connection that fails while idle is dropped by the pool; the next query opens another.
      pool.on("error", () => {})
      return Effect.tryPromise({
        try: () => pool.query("SELECT 1"),
        catch: (cause) => new SqlError({ cause, message: "PgClient: Failed to connect" }),
      }).pipe(
        Effect.timeoutFail({ duration: connectTimeout, onTimeout: () => new SqlError({ cause: new Error("Connection timed out"), message: "PgClient: Connection timed out" }) }),
        Effect.tapError(() => Effect.promise(() => pool.end())),
        Effect.as(pool),
      )
    }),
    (pool) => Effect.promise(() => pool.end()).pipe(Effect.interruptible, Effect.timeoutOption(1000)),
  )

/** The PostgreSQL client (`PgClient` and `SqlClient`) and the store's health check. */
export const layer = (
  url: Redacted.Redacted<URL>,
  options: Options,
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient | StoreHealth, StoreUnavailable> =>
  Layer.effect(StoreHealth, health).pipe(
    Layer.provideMerge(
      PgClient.layerFromPool({ acquire: pool(url, options), applicationName: options.applicationName }),
    ),
    Layer.mapError((error) =>
      new StoreUnavailable({ store: name, reason: `cannot connect to ${address(url)}: ${causeOf(error.cause ?? error)}`, cause: error })
    ),
  )

/**
 * The migrations of a service, recorded in its own `table`: those not run yet run in order, and
 * instances starting at once take turns. @effect/sql's migrator locks its table for its runs, but
 * creates the table unlocked first, which two instances on an empty database race on; here the
 * table is created first under an advisory lock, in the migrator's own layout.
 */
export const migrations = (table: string, migrations: Record<string, Effect.Effect<unknown, unknown, SqlClient.SqlClient>>) => {
  const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table })
  return Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.zipRight(
      sql`SELECT pg_advisory_xact_lock(hashtext(${table}))`,
      sql`CREATE TABLE IF NOT EXISTS ${sql(table)} (
        migration_id integer primary key,
        created_at timestamp with time zone not null default now(),
        name text not null
      )`,
    )).pipe(Effect.zipRight(migrate)))
}
