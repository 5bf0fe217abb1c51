/**
 * What the servers did during a benchmark, as they count it themselves: the commands Redis ran (its
 * `INFO commandstats`, a Lua script's own calls included) and the transactions each PostgreSQL
 * database committed (`pg_stat_database`; a statement outside a transaction is one). Two readings
 * around the measured seconds, divided by the sagas, say what a saga costs in counts, which stay the
 * same on a fast machine and a slow one where CPU time does not. PostgreSQL publishes a backend's
 * counts at most every second, so a count is good to about a second's worth of work.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted, Scope } from "effect"
import { Redis } from "ioredis"

export interface Reading {
  readonly redisCommands: number
  /** Transactions committed so far, by the label given to each database. */
  readonly commits: ReadonlyMap<string, number>
}

/** Sums the `calls=` of every command in Redis's `INFO commandstats`. */
export const commandsOf = (info: string): number =>
  info.split("\n").reduce((total, line) => {
    const calls = /^cmdstat_[^:]+:calls=(\d+)/.exec(line.trim())
    return calls === null ? total : total + Number(calls[1])
  }, 0)

/**
 * A reader of the counts of the Redis at `redisUrl` and of `databases` (label to database name) on
 * the PostgreSQL server of `databaseUrl`; a database that does not exist is left out. Its
 * connections close with the scope.
 */
export const reader = (
  servers: { readonly redisUrl: string; readonly databaseUrl: string },
  databases: Readonly<Record<string, string>>,
): Effect.Effect<Effect.Effect<Reading>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => new Redis(servers.redisUrl, { maxRetriesPerRequest: 1 })),
      (client) => Effect.sync(() => client.disconnect()),
    )
    const context = yield* Layer.build(PgClient.layer({ url: Redacted.make(servers.databaseUrl) })).pipe(Effect.orDie)
    const sql = Context.get(context, SqlClient.SqlClient)
    const labelOf = new Map(Object.entries(databases).map(([label, name]) => [name, label]))
    return Effect.gen(function* () {
      const info = yield* Effect.promise(() => redis.info("commandstats"))
      const rows = yield* sql<{ readonly datname: string; readonly commits: string }>`
        SELECT datname, xact_commit::text AS commits FROM pg_stat_database WHERE datname IN ${sql.in([...labelOf.keys()])}`
        .pipe(Effect.orDie)
      const commits = new Map(rows.map((row) => [labelOf.get(row.datname)!, Number(row.commits)]))
      return { redisCommands: commandsOf(info), commits }
    })
  })

/** What was done per unit between two readings: Redis commands, and transactions by database label. */
export const perUnit = (before: Reading, after: Reading, units: number) => ({
  redisCommands: (after.redisCommands - before.redisCommands) / Math.max(units, 1),
  commits: [...after.commits].flatMap(([label, commits]) => {
    const earlier = before.commits.get(label)
    return earlier === undefined ? [] : [{ database: label, perUnit: (commits - earlier) / Math.max(units, 1) }]
  }),
})
