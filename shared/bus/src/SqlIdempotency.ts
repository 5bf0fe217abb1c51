/**
 * The idempotent-consumer store for a service on SQL (@effect/sql): the message's key is inserted
 * into the service's inbox table in the same transaction as the handler's effect. A key already
 * there means the message was applied: the effect is skipped. A handler that fails rolls the
 * transaction back, key included, so the redelivery applies it. Two deliveries of one message at
 * once serialise on the key's unique index: the second sees the first's outcome.
 *
 * The handler's effect must use the same SqlClient, which @effect/sql runs inside the transaction.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"
import { type Idempotency, IdempotencyStoreError } from "./Idempotency.ts"

/** The inbox table, for the service's migrations. */
export const createTable = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`CREATE TABLE IF NOT EXISTS ${sql(table)} (
      message_key text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)

const storeError = (error: SqlError.SqlError) => new IdempotencyStoreError({ reason: error.message })

/** The handler's own failure, kept apart from the transaction's (begin, insert, commit) on the way out. */
class HandlerFailed<E> {
  constructor(readonly error: E) {}
}

export const make = (options: { readonly table: string }) =>
  Effect.map(SqlClient.SqlClient, (sql): Idempotency => ({
    once: <E, R>(key: string, effect: Effect.Effect<void, E, R>) =>
      sql.withTransaction(
        Effect.gen(function* () {
          const recorded = yield* sql<{ message_key: string }>`
            INSERT INTO ${sql(options.table)} (message_key) VALUES (${key})
            ON CONFLICT (message_key) DO NOTHING
            RETURNING message_key`
          if (recorded.length === 0) return false
          yield* Effect.mapError(effect, (error) => new HandlerFailed(error))
          return true
        }),
      ).pipe(
        Effect.mapError((error): E | IdempotencyStoreError =>
          error instanceof HandlerFailed ? (error.error as E) : storeError(error as SqlError.SqlError)
        ),
      ),
  }))
