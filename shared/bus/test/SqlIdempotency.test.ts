import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { RealServer } from "@flight/runtime/testing"
import { expect, test } from "bun:test"
import { Data, Effect, Redacted, Ref } from "effect"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"
import * as InProcessBus from "../src/InProcessBus.ts"
import * as SqlIdempotency from "../src/SqlIdempotency.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { eventually } from "./support/Harness.ts"

class Refused extends Data.TaggedError("Refused")<{}> {}

RealServer.describeWith("DATABASE_URL", "SQL idempotency store on PostgreSQL", (url) => {
  const suffix = crypto.randomUUID().slice(0, 8)
  const inbox = `test_inbox_${suffix}`
  const seats = `test_seats_${suffix}`
  const database = PgClient.layer({ url: Redacted.make(url) })
  const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
    Effect.runPromise(Effect.provide(effect, database) as Effect.Effect<A, E | unknown>)

  const setUp = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* SqlIdempotency.createTable(inbox)
    yield* sql`CREATE TABLE IF NOT EXISTS ${sql(seats)} (booking text NOT NULL)`
    yield* sql`TRUNCATE ${sql(inbox)}, ${sql(seats)}`
  })
  const tearDown = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP TABLE IF EXISTS ${sql(inbox)}, ${sql(seats)}`)
  const count = (table: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT count(*) AS n FROM ${sql(table)}`).pipe(
      Effect.map(([row]) => Number(row!.n)),
    )

  test("the same message delivered fifty times at once is applied once, with its key", () =>
    run(Effect.gen(function* () {
      yield* setUp
      const sql = yield* SqlClient.SqlClient
      const store = yield* SqlIdempotency.make({ table: inbox })
      const applied = yield* Effect.all(
        Array.from({ length: 50 }, () => store.once("payment/m1", sql`INSERT INTO ${sql(seats)} VALUES ('b1')`.pipe(Effect.asVoid))),
        { concurrency: "unbounded" },
      )
      expect(applied.filter(Boolean)).toHaveLength(1)
      expect(yield* count(seats)).toBe(1)
      expect(yield* count(inbox)).toBe(1)
    }).pipe(Effect.ensuring(Effect.ignore(tearDown)))), 30_000)

  test("a handler that fails leaves neither its effect nor the key, so the redelivery applies it", () =>
    run(Effect.gen(function* () {
      yield* setUp
      const sql = yield* SqlClient.SqlClient
      const store = yield* SqlIdempotency.make({ table: inbox })
      const write = sql`INSERT INTO ${sql(seats)} VALUES ('b2')`.pipe(Effect.asVoid)
      const failed = yield* Effect.either(store.once("payment/m2", Effect.zipRight(write, Effect.fail(new Refused()))))
      expect(failed).toMatchObject({ _tag: "Left", left: { _tag: "Refused" } })
      expect(yield* count(seats)).toBe(0)
      expect(yield* count(inbox)).toBe(0)
      expect(yield* store.once("payment/m2", write)).toBe(true)
      expect(yield* store.once("payment/m2", write)).toBe(false)
      expect(yield* count(seats)).toBe(1)
    }).pipe(Effect.ensuring(Effect.ignore(tearDown)))), 30_000)

  test("a consumer on the bus with this store applies a redelivered message once", () =>
    run(Effect.scoped(Effect.gen(function* () {
      yield* setUp
      const sql = yield* SqlClient.SqlClient
      const { bus } = yield* InProcessBus.make()
      const delivered = yield* Ref.make(0)
      yield* bus.consume({
        service: "payment",
        handlers: {
          "booking.created": (message) =>
            Effect.zipRight(Ref.update(delivered, (n) => n + 1), sql`INSERT INTO ${sql(seats)} VALUES (${message.data.bookingId})`.pipe(Effect.orDie)),
        },
        policy: HandlerPolicy.make({ isTransient: () => true, idempotency: yield* SqlIdempotency.make({ table: inbox }) }),
      })
      const message = yield* Fixtures.bookingCreated()
      yield* bus.publish(message)
      yield* bus.publish(message)
      yield* eventually("both deliveries settled", Effect.map(count(inbox), (n) => n === 1))
      yield* Effect.sleep("200 millis")
      expect(yield* count(seats)).toBe(1)
      expect(yield* Ref.get(delivered)).toBe(1)
    })).pipe(Effect.ensuring(Effect.ignore(tearDown)))), 30_000)

  test("a failure of the store itself is a store error (which the consumer retries), not the handler's", () =>
    run(Effect.gen(function* () {
      const store = yield* SqlIdempotency.make({ table: `missing_${suffix}` })
      const result = yield* Effect.either(store.once("payment/m3", Effect.fail(new Refused())))
      expect(result).toMatchObject({ _tag: "Left", left: { _tag: "IdempotencyStoreError" } })
    })), 30_000)
})
