/**
 * What the payment store tells other instances, and hears from them, through PostgreSQL's
 * notifications: an outbox entry committed (so an idle relay publishes at once rather than at its
 * next poll) and an intent arrived (so a request waiting for its booking goes on at once). Losing the
 * listening connection costs promptness, never entries: relays still poll, and a waiting request
 * still answers after its bounded wait.
 */
import type { SqlClient } from "@effect/sql"
import type { PgClient } from "@effect/sql-pg"
import { Outbox } from "@flight/bus"
import { Effect, Schedule, type Scope, Stream } from "effect"
import * as IntentSignals from "./IntentSignals.ts"

/** The channels: an outbox entry committed (payload: the writing instance), an intent arrived (payload: its booking). */
export const outboxChannel = "payment_outbox"
export const intentChannel = "payment_intent"

export interface Channels {
  /** Wakes the relays, this instance's at once and the others' through the next notification. */
  readonly written: Effect.Effect<void>
  /** Completes when this instance's relay should look for entries again (`Outbox.OutboxStore.written`). */
  readonly relayWoken: Effect.Effect<void>
  /** Wakes the requests waiting for the booking's intent, in this instance and the others. */
  readonly intentOpened: (bookingId: string) => Effect.Effect<void>
  /** The intents' arrivals (see `PaymentRepository.intentMark` and `intentArrival`). */
  readonly intentMark: Effect.Effect<number>
  readonly intentArrival: (bookingId: string, since: number) => Effect.Effect<void>
}

/** Listens on both channels and sends on them, for the life of the scope. */
export const make = (sql: SqlClient.SqlClient, pg: PgClient.PgClient): Effect.Effect<Channels, never, Scope.Scope> =>
  Effect.gen(function* () {
    const wakeup = Outbox.makeWakeup()
    const arrivals = IntentSignals.make()
    const instance = crypto.randomUUID()

    // Other instances learn of this one's commits through NOTIFY, sent after the commit (a NOTIFY
    // inside the transaction would serialise every such commit, WAL flush included, on PostgreSQL's
    // notification lock). Writes since the last NOTIFY share the next one, so a busy instance sends
    // far fewer than one per commit. This instance's own relay is woken in process (`wakeup`).
    // pg_notify, not `PgClient.notify`: that one sends `NOTIFY channel, $1`, and NOTIFY takes no parameters.
    const notify = (channel: string, payload: string) => Effect.asVoid(sql`SELECT pg_notify(${channel}, ${payload})`)
    const announce = Effect.unsafeMakeLatch(false)
    yield* announce.await.pipe(
      Effect.zipRight(announce.close),
      Effect.zipRight(notify(outboxChannel, instance)),
      Effect.catchAll((error) => Effect.logWarning(`outbox notification not sent (relays elsewhere poll): ${error.message}`)),
      Effect.forever,
      Effect.forkScoped,
    )

    const listen = (channel: string, heard: (payload: string) => Effect.Effect<void>) =>
      pg.listen(channel).pipe(
        Stream.runForEach(heard),
        Effect.tapError((error) => Effect.logWarning(`listening on ${channel}: ${error.message}`)),
        Effect.retry(Schedule.spaced("1 second")),
        Effect.forkScoped,
      )
    yield* listen(outboxChannel, (writer) => (writer === instance ? Effect.void : wakeup.notify))
    yield* listen(intentChannel, arrivals.signal)

    return {
      written: Effect.zipRight(wakeup.notify, announce.open),
      relayWoken: wakeup.written,
      intentOpened: (bookingId) =>
        Effect.zipRight(
          arrivals.signal(bookingId),
          notify(intentChannel, bookingId).pipe(
            Effect.catchAll((error) => Effect.logWarning(`intent notification not sent: ${error.message}`)),
          ),
        ),
      intentMark: arrivals.mark,
      intentArrival: arrivals.arrival,
    }
  })
