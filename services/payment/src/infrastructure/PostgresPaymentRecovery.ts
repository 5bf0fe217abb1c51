/**
 * The leases of charges under way on PostgreSQL (`lease_owner`, `lease_until` on the server's
 * clock, one clock for every instance): a process renews the payments it works on, and the recovery
 * takes those whose lease ran out, `FOR UPDATE SKIP LOCKED`, so two instances never settle the same one.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { PaymentId } from "@flight/contracts"
import { Effect, Schema } from "effect"
import type { PaymentRepository } from "../domain/PaymentRepository.ts"
import { interval } from "./PostgresPaymentOutbox.ts"
import { PaymentFromRow } from "./PostgresPaymentRows.ts"
import { failing } from "./PostgresPaymentSql.ts"

type Leases = Pick<PaymentRepository["Type"], "claimStale" | "renewPayments">

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const claimStale = SqlSchema.findAll({
    Request: Schema.Struct({ holder: Schema.String, lease: Schema.DurationFromSelf, limit: Schema.Int }),
    Result: PaymentFromRow,
    // A payment begun by a build that leased nothing is taken once it is a minute old.
    execute: ({ holder, lease, limit }) =>
      sql`
        UPDATE payments SET lease_owner = ${holder}, lease_until = now() + ${interval(lease)}::interval
        WHERE id IN (
          SELECT id FROM payments
          WHERE status = 'pending'
            AND (lease_until < now() OR (lease_until IS NULL AND created_at < now() - interval '1 minute'))
          ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING *`,
  })

  const renewPayments = SqlSchema.findAll({
    Request: Schema.Struct({ holder: Schema.String, ids: Schema.Array(PaymentId), lease: Schema.DurationFromSelf }),
    Result: Schema.Struct({ id: PaymentId }),
    execute: ({ holder, ids, lease }) =>
      sql`
        UPDATE payments SET lease_until = now() + ${interval(lease)}::interval
        WHERE lease_owner = ${holder} AND status = 'pending' AND id IN ${sql.in(ids)} RETURNING id`,
  })

  const leases: Leases = {
    claimStale: (request) =>
      claimStale(request).pipe(
        // UPDATE ... RETURNING answers in no particular order: oldest first, as the recovery settles them.
        Effect.map((payments) => payments.toSorted((a, b) => a.createdAt.epochMillis - b.createdAt.epochMillis)),
        failing("claim stale payments"),
      ),
    renewPayments: (holder, ids, lease) =>
      ids.length === 0 ? Effect.succeed([]) : renewPayments({ holder, ids, lease }).pipe(
        Effect.map((rows) => rows.map((row) => row.id)),
        failing("renew payments"),
      ),
  }
  return leases
})
