/**
 * Bookings and seat inventory on Redis. Each change is one Lua script (`RedisHoldScript`,
 * `RedisScripts`) over the keys of one flight, which share the flight's hash tag: seats, booking,
 * indexes and the flight's outbox stream change together or not at all.
 *
 * A few global keys, each in its own slot, are written around the scripts, never inside them:
 * - `booking:where:{id}` (booking -> flight) and `booking:ref:{reference}` (reference -> booking),
 *   written before the hold: a hold that then fails leaves a name that leads nowhere (404), never a
 *   booking that cannot be found;
 * - `booking:expiring`, a sorted set of `flight/booking` by hold expiry, added before the hold, read
 *   by the sweeper and emptied by it once the booking is no longer pending;
 * - `booking:outbox:dirty`, flights whose outbox may hold entries, counted up before and after each
 *   write, so the relay knows which streams to read and drops a flight only when nothing was written
 *   since it looked (the outbox's take drops an empty flight's mark only while it has the score read);
 * - `booking:idempotency:{key}`, an Idempotency-Key's claim (naming the booking id a creation
 *   holds) and response (`RedisIdempotencyKeys`), never touched by a flight's script;
 * - `booking:owner:{hash of sub}`, a sorted set of an owner's `flight/booking` by creation time,
 *   added before the hold like the expiry index ("my trips" skip an entry that leads nowhere);
 * - `booking:indexes`, the version of the index rebuild the store has had (`RedisIndexRebuild`): the
 *   flight and owner indexes filled in for bookings stored before those indexes were kept.
 *
 * The holding limit's per-holder sets are read and written inside the scripts (`RedisHoldLimits`).
 * The hold is `RedisBookingHold`, the reads `RedisBookingReads`, the Idempotency-Keys
 * `RedisIdempotencyKeys`, the outbox over the flights' streams `RedisOutbox`.
 */
import { Outbox } from "@flight/bus"
import { type AnyMessage, type BookingId, Catalogue } from "@flight/contracts"
import { Context, DateTime, type Duration, Effect, Layer, Option, Schema } from "effect"
import type { Redis } from "ioredis"
import { type Booking, HoldExpired, InvalidTransition } from "../domain/Booking.ts"
import { BookingNotFound, BookingRepository } from "../domain/BookingRepository.ts"
import { FlightSeating } from "../domain/SeatInventory.ts"
import * as RedisBookingHold from "./RedisBookingHold.ts"
import * as RedisBookingReads from "./RedisBookingReads.ts"
import { call } from "./RedisCall.ts"
import * as RedisHoldLimits from "./RedisHoldLimits.ts"
import * as RedisIdempotencyKeys from "./RedisIdempotencyKeys.ts"
import { keysFor } from "./RedisKeys.ts"
import * as RedisReferences from "./RedisReferences.ts"
import * as RedisOutbox from "./RedisOutbox.ts"
import * as RedisScript from "./RedisScript.ts"
import * as RedisScripts from "./RedisScripts.ts"
import { RedisClient } from "./RedisStore.ts"

export { type Keys, keys, keysFor } from "./RedisKeys.ts"

const encodeSeating = Schema.encodeSync(FlightSeating)

export interface Options {
  readonly wakeup?: ReturnType<typeof Outbox.makeWakeup>
  /** The keys' prefix: "booking" unless given. */
  readonly prefix?: string
  /** How long an Idempotency-Key's claim waits for its request (`defaultClaimWindow` unless given). */
  readonly claimFor?: Duration.DurationInput
  /** How references are claimed ahead (`RedisReferences`). */
  readonly references?: RedisReferences.Options
}

export const make = (client: Redis, options: Options = {}) =>
  Effect.sync(() => {
    const keys = keysFor(options.prefix ?? "booking")
    const wakeup = options.wakeup ?? Outbox.makeWakeup()
    const marks = RedisOutbox.marks(client, keys, wakeup)
    const { dirty, written } = marks
    const { flightOf, reads } = RedisBookingReads.make(client, keys)
    const references = RedisReferences.make(client, keys, options.references)
    const run = <In, Out>(script: RedisScript.Script<In, Out>, input: NoInfer<In>) => RedisScript.run(client, script, input)

    /**
     * A script that may write the flight's outbox, and the mark after it, sent together on the one
     * connection (one round trip, in that order): the mark is applied once the script has committed.
     * When the script wrote (`wrote`), this process's relay is woken; when the mark came before the
     * script after all (Redis had lost it: NOSCRIPT, then EVAL) or failed, the flight is marked again.
     */
    const runMarked = <In, Out>(script: RedisScript.Script<In, Out>, input: NoInfer<In>, flight: string, wrote: (out: Out) => boolean) =>
      Effect.gen(function* () {
        const [{ late, reply }, markFailed] = yield* call(script.name, () =>
          Promise.all([RedisScript.evaluate(client, script, input), client.zincrby(keys.dirty, 1, flight).then(() => false, () => true)]))
        const out = yield* script.decode(reply)
        if (wrote(out)) yield* (late || markFailed ? written(flight) : wakeup.notify)
        return out
      })

    /** The booking and its flight, or BookingNotFound. */
    const located = (id: BookingId) =>
      Effect.flatMap(reads.get(id), Option.match({
        onNone: () => Effect.fail(new BookingNotFound({ id })),
        onSome: (booking) => Effect.succeed(booking),
      }))

    /**
     * The flight's outbox marked before a write, and the booking's record of the holder sets it
     * counts in with those sets (what confirm and release empty), in one round trip and one call:
     * both are sent before either answers, and the script that follows is sent only once both have
     * answered, so the mark is applied before the script writes the outbox entry.
     */
    const markedAndCounted = (booking: Pick<Booking, "id" | "flightId">) => {
      const holders = keys.holders(booking.flightId, booking.id)
      return Effect.map(
        call("outbox mark and holders", () => Promise.all([client.zincrby(keys.dirty, 1, booking.flightId), client.get(holders)])),
        ([, record]) => ({ holders, holderSets: RedisHoldLimits.countedIn(record) }),
      )
    }

    /** Cancels or expires a booking (`RedisScripts.release`); the flight's outbox is marked around it. */
    const release = (
      booking: Booking,
      reason: string,
      mode: "cancel" | "expire",
      now: DateTime.Utc,
      event: { readonly message: AnyMessage; readonly traceparent: string | null },
    ) =>
      Effect.gen(function* () {
        const flight = booking.flightId
        const counted = yield* markedAndCounted(booking)
        const reply = yield* runMarked(RedisScripts.release, {
          keys: {
            booking: keys.booking(flight, booking.id),
            seats: keys.seats(flight, booking.cabin),
            expiries: keys.expiries(flight),
            active: keys.active(flight),
            outbox: keys.outbox(flight),
            ...counted,
          },
          args: {
            reason,
            nowIso: DateTime.formatIso(now),
            event: Catalogue.encodeJson(event.message),
            traceparent: event.traceparent ?? "",
            messageId: event.message.id,
            mode,
            nowMillis: DateTime.toEpochMillis(now),
          },
        }, flight, (reply) => reply[0] === "ok")
        return reply
      })

    /** The booking is no longer for the sweeper. */
    const forget = (booking: Booking) =>
      Effect.asVoid(call("expiring", () => client.zrem(keys.expiring, `${booking.flightId}/${booking.id}`)))

    const repository: BookingRepository["Type"] = {
      ...reads,

      seed: (seating) =>
        Effect.gen(function* () {
          const created = yield* call("seed", () => client.set(keys.seating(seating.flightId), JSON.stringify(encodeSeating(seating)), "NX"))
          yield* call("seed", () => client.sadd(keys.flights, seating.flightId))
          return created === "OK"
        }),

      setFlightStatus: (flightId, status) =>
        Effect.map(
          run(RedisScripts.setFlightStatus, { keys: { seating: keys.seating(flightId), status: keys.status(flightId) }, args: { status } }),
          (answer) => answer !== 0,
        ),

      hold: RedisBookingHold.make(client, keys, { ...marks, notify: wakeup.notify }),

      confirm: (booking, paymentId, now, event) =>
        Effect.gen(function* () {
          const { flightId: flight, id } = booking
          const counted = yield* markedAndCounted(booking)
          const reply = yield* runMarked(RedisScripts.confirm, {
            keys: {
              booking: keys.booking(flight, id),
              seats: keys.seats(flight, booking.cabin),
              expiries: keys.expiries(flight),
              outbox: keys.outbox(flight),
              ...counted,
            },
            args: {
              paymentId,
              nowMillis: DateTime.toEpochMillis(now),
              nowIso: DateTime.formatIso(now),
              event: Catalogue.encodeJson(event.message),
              traceparent: event.traceparent ?? "",
              messageId: event.message.id,
              cabin: booking.cabin,
            },
          }, flight, (reply) => reply[0] === "ok")
          switch (reply[0]) {
            case "ok":
              return { _tag: "Confirmed" as const, booking: reply[1] }
            case "already":
              return { _tag: "AlreadyConfirmed" as const, booking: reply[1] }
            case "expired":
              return yield* Effect.fail(new HoldExpired({ id, holdExpiresAt: reply[1].holdExpiresAt }))
            case "invalid":
              return yield* Effect.fail(new InvalidTransition({ id, from: reply[1], to: "confirmed" }))
            case "not-found":
              return yield* Effect.fail(new BookingNotFound({ id }))
          }
        }),

      cancel: (id, reason, now, event) =>
        Effect.gen(function* () {
          const reply = yield* release(yield* located(id), reason, "cancel", now, event)
          switch (reply[0]) {
            case "ok":
              return reply[1]
            case "invalid":
              return yield* Effect.fail(new InvalidTransition({ id, from: reply[1], to: "cancelled" }))
            case "not-due":
            case "not-found":
              return yield* Effect.fail(new BookingNotFound({ id }))
          }
        }),

      expire: (id, now, event) =>
        Effect.gen(function* () {
          const found = yield* reads.get(id)
          if (Option.isNone(found)) return Option.none()
          const reply = yield* release(found.value, "expired", "expire", now, event)
          if (reply[0] !== "ok") {
            // No longer pending (confirmed, cancelled, expired by another sweeper): not for the sweeper any more.
            if (found.value.status !== "pending" || reply[0] === "not-found") yield* forget(found.value)
            return Option.none()
          }
          yield* forget(found.value)
          return Option.some(reply[1])
        }),

      forgetExpiry: (id) =>
        Effect.gen(function* () {
          const flight = yield* flightOf(id)
          if (flight !== null) yield* call("expiring", () => client.zrem(keys.expiring, `${flight}/${id}`))
        }),

      append: (flightId, events) =>
        Effect.gen(function* () {
          if (events.length === 0) return
          yield* dirty(flightId)
          for (const event of events) {
            yield* call("outbox append", () =>
              client.xadd(keys.outbox(flightId), "*", "id", event.message.id, "body", Catalogue.encodeJson(event.message), "traceparent", event.traceparent ?? ""))
          }
          yield* written(flightId)
        }),

      idempotency: RedisIdempotencyKeys.make(client, keys, options.claimFor),

      reserveReference: references.reserve,
    }

    const outbox = RedisOutbox.make(client, keys, wakeup.written)
    return { repository, outbox }
  })

/** The repository and its outbox on the service's Redis connection (see `RedisStore.layer`). */
export const layerWith = (options: Options = {}): Layer.Layer<BookingRepository | Outbox.Store, never, RedisClient> => Layer.effectContext(
  Effect.gen(function* () {
    const { outbox, repository } = yield* make(yield* RedisClient, options)
    return Context.make(BookingRepository, repository).pipe(Context.add(Outbox.Store, outbox))
  }),
)

export const layer = layerWith()
