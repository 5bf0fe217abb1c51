import { expect } from "bun:test"
import { SqlClient } from "@effect/sql"
import { Effect, FastCheck as fc, Layer, Logger, Redacted } from "effect"
import * as PostgresStore from "../src/PostgresStore.ts"
import { maxPerConnection, PreparingClient } from "../src/PreparedStatements.ts"
import { EffectTest, Postgres, RealServer } from "../src/testing/index.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/** A PreparingClient connected to `url` for the scope, as the pool makes its connections. */
const clientOf = (url: URL) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new PreparingClient({ connectionString: url.href })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.end()),
  )

/** A query as @effect/sql-pg sends it: text, values and a callback. */
const run = (client: PreparingClient, text: string, values: ReadonlyArray<unknown>) =>
  Effect.async<ReadonlyArray<Record<string, unknown>>, Error & { readonly code?: string }>((resume) => {
    client.query(text, [...values], (error: Error | null, result: { readonly rows: ReadonlyArray<Record<string, unknown>> }) =>
      resume(error === null ? Effect.succeed(result.rows) : Effect.fail(error)))
  })

/** The statements prepared on this client's connection, as its server holds them. */
const preparedOn = (client: PreparingClient) =>
  Effect.promise(() => client.query<{ name: string; statement: string; runs: number }>(
    "SELECT name, statement, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements ORDER BY name",
  )).pipe(Effect.map((result) => result.rows))

RealServer.describeWith("DATABASE_URL", "Statements prepared once per connection, on a real PostgreSQL", (url) => {
  EffectTest.effect("a text with parameters is prepared on its connection once and run by name after, answering as unnamed", () =>
    Effect.gen(function* () {
      const client = yield* clientOf(new URL(url))
      for (let i = 0; i < 10; i++) {
        expect(yield* run(client, "SELECT $1::int + $2::int AS sum", [i, 1])).toEqual([{ sum: i + 1 }])
      }
      expect(yield* preparedOn(client)).toEqual([{ name: "fb_1", statement: "SELECT $1::int + $2::int AS sum", runs: 10 }])
      expect(client.preparedCount).toBe(1)
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("any values come back through a prepared statement as they went in", () =>
    Effect.gen(function* () {
      const client = yield* clientOf(new URL(url))
      const text = "SELECT $1::text AS t, $2::bigint::text AS n, $3::jsonb AS j"
      const json = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown)
      // Strings without NUL, which PostgreSQL's text cannot hold; JSON as jsonb normalizes it (-0 to 0).
      const rows = fc.sample(fc.tuple(fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\u0000")), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), json.filter((value) => !JSON.stringify(value).includes("\\u0000"))), 200)
      for (const [t, n, j] of rows) {
        const [row] = yield* run(client, text, [t, n.toString(), JSON.stringify(j)])
        expect(row).toEqual({ t, n: n.toString(), j: JSON.parse(JSON.stringify(j), (_key, value) => Object.is(value, -0) ? 0 : value) })
      }
      expect((yield* preparedOn(client)).map((statement) => statement.runs)).toEqual([200])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 60_000 })

  EffectTest.effect("a text without parameters goes by the simple protocol, which runs several statements in one", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "prepared_test")
      const client = yield* clientOf(database)
      yield* Effect.promise(() => client.query("CREATE TABLE a (x int); CREATE TABLE b (y int); INSERT INTO a VALUES (1)"))
      expect(yield* run(client, "SELECT x FROM a WHERE x = $1", [1])).toEqual([{ x: 1 }])
      expect((yield* preparedOn(client)).map((statement) => statement.statement)).toEqual(["SELECT x FROM a WHERE x = $1"])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a statement that failed runs again: on a value it refused, and once the table it named exists", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "prepared_test")
      const client = yield* clientOf(database)
      expect((yield* Effect.flip(run(client, "SELECT 10 / $1::int AS q", [0]))).code).toBe("22012")
      expect(yield* run(client, "SELECT 10 / $1::int AS q", [2])).toEqual([{ q: 5 }])
      expect((yield* Effect.flip(run(client, "SELECT x FROM later WHERE x = $1", [1]))).code).toBe("42P01")
      yield* Effect.promise(() => client.query("CREATE TABLE later (x int); INSERT INTO later VALUES (1)"))
      expect(yield* run(client, "SELECT x FROM later WHERE x = $1", [1])).toEqual([{ x: 1 }])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a column added under a prepared SELECT *: that run fails as PostgreSQL answers it, the next sees the new column", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "prepared_test")
      const client = yield* clientOf(database)
      const other = yield* clientOf(database)
      yield* Effect.promise(() => client.query("CREATE TABLE things (id int PRIMARY KEY); INSERT INTO things VALUES (1)"))
      const select = "SELECT * FROM things WHERE id = $1"
      expect(yield* run(client, select, [1])).toEqual([{ id: 1 }])
      // A newer instance migrates the table while this connection holds the statement prepared.
      yield* Effect.promise(() => other.query("ALTER TABLE things ADD COLUMN name text NOT NULL DEFAULT 'one'"))
      expect((yield* Effect.flip(run(client, select, [1]))).code).toBe("0A000")
      expect(yield* run(client, select, [1])).toEqual([{ id: 1, name: "one" }])
      expect(yield* run(client, select, [1])).toEqual([{ id: 1, name: "one" }])
      // Prepared again under a new name; the old one stays until the connection ends.
      expect((yield* preparedOn(client)).map((statement) => statement.name)).toEqual(["fb_1", "fb_2"])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a column's type changed under a prepared statement: that run fails as PostgreSQL answers it, the next fit the new type", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "prepared_test")
      const client = yield* clientOf(database)
      const other = yield* clientOf(database)
      yield* Effect.promise(() => client.query("CREATE TABLE codes (id int PRIMARY KEY, code int NOT NULL); INSERT INTO codes VALUES (1, 5)"))
      const select = "SELECT id FROM codes WHERE code = $1"
      expect(yield* run(client, select, [5])).toEqual([{ id: 1 }])
      yield* Effect.promise(() => other.query("ALTER TABLE codes ALTER COLUMN code TYPE text"))
      // The statement's parameter was inferred an integer when it was prepared: text = integer.
      expect((yield* Effect.flip(run(client, select, ["5"]))).code).toBe("42883")
      expect(yield* run(client, select, ["5"])).toEqual([{ id: 1 }])
      expect(yield* run(client, select, ["5"])).toEqual([{ id: 1 }])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a value pg cannot send fails its run and leaves the text usable, whether it was prepared before or not", () =>
    Effect.gen(function* () {
      const client = yield* clientOf(new URL(url))
      const text = "SELECT $1::jsonb AS j"
      // pg sends an object as JSON: a BigInt in it is refused before it reaches the server.
      const unsendable = { a: 1n }
      expect(yield* run(client, text, [{ a: 1 }])).toEqual([{ j: { a: 1 } }])
      expect(yield* Effect.flip(run(client, text, [unsendable]))).toBeInstanceOf(TypeError)
      expect(yield* run(client, text, [{ a: 2 }])).toEqual([{ j: { a: 2 } }])
      expect(yield* run(client, text, [{ a: 3 }])).toEqual([{ j: { a: 3 } }])
      const fresh = "SELECT $1::jsonb AS k"
      expect(yield* Effect.flip(run(client, fresh, [unsendable]))).toBeInstanceOf(TypeError)
      expect(yield* run(client, fresh, [{ b: 1 }])).toEqual([{ k: { b: 1 } }])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a run refused by a constraint leaves its statement prepared", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "prepared_test")
      const client = yield* clientOf(database)
      yield* Effect.promise(() => client.query("CREATE TABLE keys (key text PRIMARY KEY)"))
      const insert = "INSERT INTO keys (key) VALUES ($1)"
      yield* run(client, insert, ["a"])
      expect((yield* Effect.flip(run(client, insert, ["a"]))).code).toBe("23505")
      yield* run(client, insert, ["b"])
      expect(yield* preparedOn(client)).toEqual([{ name: "fb_1", statement: insert, runs: 3 }])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect(`a connection prepares at most ${maxPerConnection} texts; the rest run unnamed and answer the same`, () =>
    Effect.gen(function* () {
      const client = yield* clientOf(new URL(url))
      for (let i = 0; i < maxPerConnection + 20; i++) {
        expect(yield* run(client, `SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: i + 1 }])
      }
      expect(client.preparedCount).toBe(maxPerConnection)
      expect((yield* preparedOn(client)).length).toBe(maxPerConnection)
      // A text prepared before the limit still runs by its name.
      expect(yield* run(client, "SELECT $1::int + 0 AS n", [7])).toEqual([{ n: 7 }])
      expect((yield* preparedOn(client)).find((statement) => statement.statement === "SELECT $1::int + 0 AS n")?.runs).toBe(2)
    }).pipe(Effect.scoped), { layer: quiet, timeout: 60_000 })

  EffectTest.effect("the store's pool prepares the services' statements, inside transactions too", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE things (id int PRIMARY KEY, name text NOT NULL)`
      const prepared = yield* sql.withTransaction(Effect.gen(function* () {
        for (let id = 1; id <= 3; id++) yield* sql`INSERT INTO things (id, name) VALUES (${id}, ${`thing ${id}`})`
        // One transaction is one connection: the insert was prepared once there and run three times.
        return yield* sql<{ runs: number }>`SELECT (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO things%'`
      }))
      expect(prepared).toEqual([{ runs: 3 }])
      expect(yield* sql<{ name: string }>`SELECT name FROM things WHERE id = ${2}`).toEqual([{ name: "thing 2" }])
    }).pipe(
      Effect.provide(Effect.map(Postgres.freshDatabase(url, "prepared_test"), (database) => PostgresStore.layer(Redacted.make(database), { applicationName: "test" })).pipe(Layer.unwrapScoped)),
      Effect.scoped,
    ), { layer: quiet, timeout: 30_000 })
})
