/**
 * How the payment store runs its statements on PostgreSQL: each traced as a client span; a
 * transaction that loses a serialization race or a deadlock run again; a unique violation read as
 * another request that got there first; any other failure a PaymentStoreError naming the operation,
 * with PostgreSQL's message and SQLSTATE (transient: the same call may succeed later).
 */
import type { SqlClient, SqlError } from "@effect/sql"
import * as PostgresStore from "@flight/runtime/postgres"
import { Spans } from "@flight/runtime"
import { Effect, type ParseResult, Predicate, Schedule } from "effect"
import { PaymentStoreError } from "../domain/PaymentRepository.ts"

/** The SQLSTATE of a failed statement, when PostgreSQL answered one. */
const sqlStateOf = (error: unknown): string | undefined => {
  if (!Predicate.isTagged(error, "SqlError")) return undefined
  const code = ((error as SqlError.SqlError).cause as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : undefined
}

/** Serialization failure or deadlock: the transaction is run again. */
export const retriable = (error: unknown): boolean => {
  const code = sqlStateOf(error)
  return code === "40001" || code === "40P01"
}

/** A unique constraint refused the write: another request wrote the same key or booking first. */
export const isUniqueViolation = (error: unknown): boolean => sqlStateOf(error) === "23505"

/** How a transaction that lost a serialization race or a deadlock is run again. */
export const transactionRetry = Schedule.exponential("10 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(10)))

/** A statement (or the inbox) of `operation` that failed, as the store's error. */
export const storeError = (operation: string) => (error: { readonly message: string; readonly cause?: unknown }): PaymentStoreError =>
  new PaymentStoreError({ operation, reason: PostgresStore.reasonOf(error) })

/** A stored row this build cannot read: not transient, reading it again changes nothing. */
export const unreadable = (error: ParseResult.ParseError): PaymentStoreError =>
  new PaymentStoreError({ operation: "read", reason: `a stored row is invalid: ${error.message}`, transient: false })

/** The failures of `operation` as the store's: a statement's (`storeError`), a row's (`unreadable`); others as they are. */
export const failing = (operation: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError.SqlError | ParseResult.ParseError> | PaymentStoreError, R> =>
  Effect.mapError(effect, (error) =>
    Predicate.isTagged(error, "SqlError")
      ? storeError(operation)(error as unknown as SqlError.SqlError)
      : Predicate.isTagged(error, "ParseError")
      ? unreadable(error as unknown as ParseResult.ParseError)
      : (error as Exclude<E, SqlError.SqlError | ParseResult.ParseError>))

/** Traces `effect` as the store's `operation` (the span named `name`, `postgresql <operation>` unless said). */
export const traced = (operation: string, name = `postgresql ${operation}`) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Spans.within(name, { kind: "client", attributes: { "db.system.name": "postgresql", "db.operation.name": operation } })(effect)

/** One transaction of `operation`, traced, run again when it loses a serialization race or a deadlock. */
export const transaction = (sql: SqlClient.SqlClient) => (operation: string) => <A, E, R>(body: Effect.Effect<A, E, R>) =>
  sql.withTransaction(body).pipe(Effect.retry({ schedule: transactionRetry, while: retriable }), traced(operation))
