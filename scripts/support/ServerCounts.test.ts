/**
 * The saga bench's counts of what the servers did: Redis's commands as `INFO commandstats` gives
 * them, and a PostgreSQL database's transactions, read from the real servers.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { EffectTest, Postgres, RealServer } from "@flight/runtime/testing"
import { expect, test } from "bun:test"
import { Context, Effect, Layer, Redacted } from "effect"
import { Redis } from "ioredis"
import * as ServerCounts from "./ServerCounts.ts"

test("the commands of INFO commandstats are summed, whatever else the section holds", () => {
  const info = [
    "# Commandstats",
    "cmdstat_get:calls=20,usec=31,usec_per_call=1.55,rejected_calls=0,failed_calls=0",
    "cmdstat_evalsha:calls=3,usec=1200,usec_per_call=400.00,rejected_calls=0,failed_calls=0",
    "cmdstat_client|setname:calls=1,usec=2,usec_per_call=2.00,rejected_calls=0,failed_calls=0",
    "",
  ].join("\r\n")
  expect(ServerCounts.commandsOf(info)).toBe(24)
  expect(ServerCounts.commandsOf("# Commandstats\r\n")).toBe(0)
})

test("per unit: each count's difference divided by the units, a database missing from either reading left out", () => {
  const before = { redisCommands: 100, commits: new Map([["payment", 10], ["gone", 5]]) }
  const after = { redisCommands: 160, commits: new Map([["payment", 40], ["new", 7]]) }
  expect(ServerCounts.perUnit(before, after, 6)).toEqual({ redisCommands: 10, commits: [{ database: "payment", perUnit: 5 }] })
})

RealServer.describeWith("REDIS_URL", "Redis's commands, counted by Redis", (redisUrl) => {
  RealServer.describeWith("DATABASE_URL", "and a database's transactions, by PostgreSQL", (databaseUrl) => {
    EffectTest.effect("commands and transactions made between two readings are counted, and a database that does not exist is left out", () =>
      Effect.gen(function* () {
        const database = yield* Postgres.freshDatabase(databaseUrl, "server_counts_test")
        const name = database.pathname.slice(1)
        const read = yield* ServerCounts.reader({ redisUrl, databaseUrl }, { mine: name, absent: "no_such_database_here" })
        const before = yield* read
        expect([...before.commits.keys()]).toEqual(["mine"])

        const client = new Redis(redisUrl)
        yield* Effect.promise(async () => {
          for (let n = 0; n < 10; n++) await client.ping()
          client.disconnect()
        })
        const sql = Context.get(yield* Layer.build(PgClient.layer({ url: Redacted.make(database.href) })), SqlClient.SqlClient)
        for (let n = 0; n < 5; n++) yield* sql`SELECT 1`
        // A backend publishes its counts now and then; this asks for them at its next transaction's end.
        yield* sql`SELECT pg_stat_force_next_flush()`
        yield* sql`SELECT 1`

        const after = yield* read
        // Other tests may share the servers: at least what this one did.
        expect(after.redisCommands - before.redisCommands).toBeGreaterThanOrEqual(10)
        expect(after.commits.get("mine")! - before.commits.get("mine")!).toBeGreaterThanOrEqual(6)
      }).pipe(Effect.scoped), { timeout: 30_000 })
  })
})
