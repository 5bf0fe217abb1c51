/**
 * Bookings and seat inventory on Redis. Each change is one Lua script (`RedisScripts`) over the keys
 * of one flight, which share the flight's hash tag: seats, booking, indexes, Idempotency-Key record
 * and the flight's outbox stream change together or not at all.
 *
 * A few global keys, each in its own slot, are written around the scripts, never inside them:
 * - `booking:where:{id}` (booking -> flight) and `booking:ref:{reference}` (reference -> booking),
 *   written before the hold: a hold that then fails leaves a name that leads nowhere (404), never a
 *   booking that cannot be found;
 * - `booking:expiring`, a sorted set of `flight/booking` by hold expiry, added before the hold, read
 *   by the sweeper and emptied by it once the booking is no longer pending;
 * - `booking:outbox:dirty`, flights whose outbox may hold entries, counted up before and after each
 *   write, so the relay knows which streams to read and drops a flight only when nothing was written
 *   since it looked (see `removeIfUnchanged`);
 * - `booking:idempotency:{key}`, an Idempotency-Key's claim and response;
 * - `booking:owner:{hash of sub}`, a sorted set of an owner's `flight/booking` by creation time,
 *   added before the hold like the expiry index ("my trips" skip an entry that leads nowhere);
 * - `booking:indexes`, the version of the index rebuild the store has had (`RedisIndexRebuild`): the
 *   flight and owner indexes filled in for bookings stored before those indexes were kept.
 *
 * The holding limit's per-holder sets are read and written inside the scripts (`RedisHoldLimits`).
 */
import { Outbox } from "@flight/bus"
import { IdempotencyKey } from "@flight/runtime"
import { type AnyMessage, type BookingId, Catalogue, SeatNumber } from "@flight/contracts"
import { Clock, Context, DateTime, Duration, Effect, Layer, Option, Schedule, Schema } from "effect"
import type { Redis } from "ioredis"
import { Booking, HoldExpired, InvalidTransition } from "../domain/Booking.ts"
import {
  BookingNotFound,
  BookingRepository,
  BookingStoreError,
  CabinNotOnFlight,
  FlightNotBookable,
  FlightNotFound,
  IdempotencyKeyReused,
  type KeyClaim,
  pendingBooking,
} from "../domain/BookingRepository.ts"
import { FlightSeating, SeatsUnavailable, seatsOf } from "../domain/SeatInventory.ts"
import * as RedisHoldLimits from "./RedisHoldLimits.ts"
import * as RedisHoldRoundTrip from "./RedisHoldRoundTrip.ts"
import * as RedisOutbox from "./RedisOutbox.ts"
import { call } from "./RedisCall.ts"
import { keysFor } from "./RedisKeys.ts"
import * as RedisScripts from "./RedisScripts.ts"
import { RedisClient } from "./RedisStore.ts"

export { type Keys, keys, keysFor } from "./RedisKeys.ts"

/** How long an Idempotency-Key and its response are kept (Redis expires them): `IdempotencyKey.retention`. */
export const keyRetention = IdempotencyKey.retention

export { call } from "./RedisCall.ts"

const decodeBookingJson = Schema.decodeUnknown(Schema.parseJson(Booking))
const encodeBooking = Schema.encodeSync(Booking)
const decodeSeats = Schema.decodeUnknown(Schema.Array(SeatNumber))
const decodeSeatingJson = Schema.decodeUnknown(Schema.parseJson(FlightSeating))
const encodeSeating = Schema.encodeSync(FlightSeating)

const unreadable = (what: string) => (error: { readonly message: string }) =>
  new BookingStoreError({ operation: "read", reason: `stored ${what} is invalid: ${error.message}`, transient: false })

const bookingFrom = (json: unknown) => decodeBookingJson(json).pipe(Effect.mapError(unreadable("booking")))

/** How a write after a committed change is retried. */
const markRetry = Schedule.exponential("20 millis").pipe(Schedule.intersect(Schedule.recurs(5)))

type Scripted = Record<string, (...args: ReadonlyArray<string | number>) => Promise<unknown>>

export interface Options {
  readonly wakeup?: ReturnType<typeof Outbox.makeWakeup>
  /** The keys' prefix: "booking" unless given. */
  readonly prefix?: string
}

export const make = (client: Redis, options: Options = {}) =>
  Effect.sync(() => {
    const keys = keysFor(options.prefix ?? "booking")
    for (const [name, lua] of Object.entries(RedisScripts)) client.defineCommand(`booking_${name}`, { lua })
    const scripted = client as unknown as Scripted
    const script = (name: keyof typeof RedisScripts, keyList: ReadonlyArray<string>, args: ReadonlyArray<string | number>) =>
      call(name, () => scripted[`booking_${name}`]!(keyList.length, ...keyList, ...args) as Promise<Array<string> | number>)
    const wakeup = options.wakeup ?? Outbox.makeWakeup()

    /** Counts the flight's outbox dirty: before a write, so a crash cannot hide it, and after, so the relay sees it. */
    const dirty = (flightId: string) => call("outbox mark", () => client.zincrby(keys.dirty, 1, flightId))
    /**
     * After a write that committed: the mark again (retried; a failure is logged, not the caller's,
     * since the change is made) and this process's relay woken.
     */
    const written = (flightId: string) =>
      dirty(flightId).pipe(
        Effect.retry(markRetry),
        Effect.catchAll((error) => Effect.logWarning(`outbox mark of flight ${flightId} after a write: ${error.message}`)),
        Effect.zipRight(wakeup.notify),
      )

    const flightOf = (id: BookingId) => call("where", () => client.get(keys.where(id)))

    const get = (id: BookingId) =>
      Effect.gen(function* () {
        const flight = yield* flightOf(id)
        if (flight === null) return Option.none<Booking>()
        const json = yield* call("get", () => client.get(keys.booking(flight, id)))
        return json === null ? Option.none<Booking>() : Option.some(yield* bookingFrom(json))
      })

    /** A booking's record of the holder sets it counts in, then those sets: what confirm and release empty. */
    const countedIn = (booking: Booking) =>
      Effect.map(call("holders", () => client.get(keys.holders(booking.flightId, booking.id))), (record) => [
        keys.holders(booking.flightId, booking.id),
        ...RedisHoldLimits.countedIn(record),
      ])

    /** The booking and its flight, or BookingNotFound. */
    const located = (id: BookingId) =>
      Effect.flatMap(get(id), Option.match({
        onNone: () => Effect.fail(new BookingNotFound({ id })),
        onSome: (booking) => Effect.succeed(booking),
      }))

    const repository: BookingRepository["Type"] = {
      seed: (seating) =>
        Effect.gen(function* () {
          const created = yield* call("seed", () => client.set(keys.seating(seating.flightId), JSON.stringify(encodeSeating(seating)), "NX"))
          yield* call("seed", () => client.sadd(keys.flights, seating.flightId))
          return created === "OK"
        }),

      seating: (flightId) =>
        Effect.gen(function* () {
          const [json, status] = yield* call("seating", () =>
            Promise.all([client.get(keys.seating(flightId)), client.get(keys.status(flightId))]))
          if (json === null) return Option.none()
          const seating = yield* decodeSeatingJson(json).pipe(Effect.mapError(unreadable("flight seating")))
          return Option.some(status === null ? seating : new FlightSeating({ ...seating, status: status as FlightSeating["status"] }))
        }),

      setFlightStatus: (flightId, status) =>
        Effect.map(script("setFlightStatus", [keys.seating(flightId), keys.status(flightId)], [status]), (answer) => answer !== 0),

      hold: (request) =>
        Effect.gen(function* () {
          const flight = request.flightId
          const expiresAt = DateTime.toEpochMillis(request.holdExpiresAt)
          // The booking as held, built once from the request's fields (of their types already) and encoded
          // once. Its seats and total are the script's to write: it sets each passenger's seat as it
          // chooses it (a seat asked for is kept) and writes the total as exact text.
          const pending = pendingBooking(request, request.passengers.map((passenger) => passenger.seat ?? ("1A" as SeatNumber)))
          const template = { ...encodeBooking(pending), total: { amount: 0, currency: "XXX" } }
          const indexes: RedisHoldRoundTrip.HoldIndexes = {
            flight,
            id: request.id,
            owner: request.owner,
            expiresAt,
            createdAt: DateTime.toEpochMillis(request.now),
          }
          // The global writes before, the script and the mark after, in one round trip (`RedisHoldRoundTrip`).
          const sent = yield* call("hold", () => RedisHoldRoundTrip.send(client, keys, indexes, [
            keys.seating(flight),
            keys.seats(flight, request.cabin),
            keys.booking(flight, request.id),
            keys.active(flight),
            keys.expiries(flight),
            Option.match(request.idempotency, { onNone: () => keys.seating(flight), onSome: ({ key }) => keys.idempotency(flight, key) }),
            keys.outbox(flight),
            keys.status(flight),
            keys.holders(flight, request.id),
            keys.bookings(flight),
            ...request.limit.holders.map(keys.holder),
          ], [
            JSON.stringify(template),
            Catalogue.encodeJson(request.event.message),
            request.event.traceparent ?? "",
            JSON.stringify(request.passengers.map((passenger) => passenger.seat ?? "")),
            expiresAt,
            Option.isSome(request.idempotency) ? Duration.toMillis(keyRetention) : 0,
            request.id,
            request.event.message.id,
            Option.match(request.idempotency, { onNone: () => "", onSome: ({ fingerprint }) => fingerprint }),
            String(request.total.amount),
            request.total.currency,
            request.limit.maxSeats,
            DateTime.toEpochMillis(request.now),
          ]))
          const [outcome, ...rest] = sent.reply as Array<string>
          if (outcome !== "ok" && outcome !== "replayed") {
            // Nothing was held: the names written before the script lead nowhere; drop them (best effort).
            yield* call("hold cleanup", () =>
              Promise.all([
                client.del(keys.where(request.id)),
                client.zrem(keys.expiring, `${flight}/${request.id}`),
                ...(request.owner === null ? [] : [client.zrem(keys.owner(request.owner), `${flight}/${request.id}`)]),
                client.get(keys.reference(request.reference)).then((owner) =>
                  owner === request.id ? client.del(keys.reference(request.reference)) : 0
                ),
              ])).pipe(Effect.ignore)
          }
          switch (outcome) {
            case "ok": {
              // Held, but a write before it failed: written again, or the booking could not be found or expire.
              if (sent.failed.length > 0) {
                yield* call("hold indexes", () => Promise.all(RedisHoldRoundTrip.before(client, keys, indexes))).pipe(
                  Effect.retry(markRetry),
                )
              }
              yield* sent.markAgain ? written(flight) : wakeup.notify
              // The script answers the seats it chose: only they are new to the booking built above.
              const seats = yield* decodeSeats(rest.slice(1)).pipe(Effect.mapError(unreadable("hold answer")))
              if (seats.length !== pending.passengers.length) {
                return yield* Effect.fail(new BookingStoreError({ operation: "hold", reason: `${seats.length} seats answered for ${pending.passengers.length} passengers`, transient: false }))
              }
              return { booking: pendingBooking(request, seats), replayed: false }
            }
            case "replayed":
              return { booking: yield* bookingFrom(rest[0]), replayed: true }
            case "limit":
              return yield* RedisHoldLimits.refusal(rest, request.limit.maxSeats, DateTime.toEpochMillis(request.now))
            case "reused":
              return yield* Effect.fail(new IdempotencyKeyReused({ key: Option.getOrThrow(request.idempotency).key }))
            case "flight-not-found":
              return yield* Effect.fail(new FlightNotFound({ flightId: flight }))
            case "not-bookable":
              return yield* Effect.fail(new FlightNotBookable({ flightId: flight, status: rest[0] ?? "unknown" }))
            case "cabin-not-on-flight":
              return yield* Effect.fail(new CabinNotOnFlight({ flightId: flight, cabin: request.cabin }))
            case "taken":
            case "unavailable":
              return yield* Effect.fail(new SeatsUnavailable({
                flightId: request.flightId,
                cabin: request.cabin,
                seats: (outcome === "taken" ? rest.slice(1) : []) as Array<SeatNumber>,
                requested: request.passengers.length,
                available: Number(rest[0]),
              }))
            default:
              return yield* Effect.fail(new BookingStoreError({ operation: "hold", reason: `unexpected answer ${String(outcome)}`, transient: false }))
          }
        }),

      confirm: (id, paymentId, now, event) =>
        Effect.gen(function* () {
          const booking = yield* located(id)
          const flight = booking.flightId
          yield* dirty(flight)
          const [outcome, json] = (yield* script("confirm", [
            keys.booking(flight, id),
            keys.seats(flight, booking.cabin),
            keys.expiries(flight),
            keys.outbox(flight),
            ...yield* countedIn(booking),
          ], [
            paymentId,
            DateTime.toEpochMillis(now),
            DateTime.formatIso(now),
            Catalogue.encodeJson(event.message),
            event.traceparent ?? "",
            event.message.id,
          ])) as Array<string>
          switch (outcome) {
            case "ok":
              yield* written(flight)
              return { _tag: "Confirmed" as const, booking: yield* bookingFrom(json) }
            case "already":
              return { _tag: "AlreadyConfirmed" as const, booking: yield* bookingFrom(json) }
            case "expired": {
              const current = yield* bookingFrom(json)
              return yield* Effect.fail(new HoldExpired({ id, holdExpiresAt: current.holdExpiresAt }))
            }
            case "invalid":
              return yield* Effect.fail(new InvalidTransition({ id, from: json as Booking["status"], to: "confirmed" }))
            default:
              return yield* Effect.fail(new BookingNotFound({ id }))
          }
        }),

      cancel: (id, reason, now, event) =>
        Effect.gen(function* () {
          const booking = yield* located(id)
          const [outcome, json] = yield* release(booking, reason, "cancel", now, event)
          switch (outcome) {
            case "ok":
              return yield* bookingFrom(json)
            case "invalid":
              return yield* Effect.fail(new InvalidTransition({ id, from: json as Booking["status"], to: "cancelled" }))
            default:
              return yield* Effect.fail(new BookingNotFound({ id }))
          }
        }),

      expire: (id, now, event) =>
        Effect.gen(function* () {
          const found = yield* get(id)
          if (Option.isNone(found)) return Option.none()
          const [outcome, json] = yield* release(found.value, "expired", "expire", now, event)
          if (outcome !== "ok") {
            // No longer pending (confirmed, cancelled, expired by another sweeper): not for the sweeper any more.
            if (found.value.status !== "pending" || outcome === "not-found") yield* forget(found.value)
            return Option.none()
          }
          yield* forget(found.value)
          return Option.some(yield* bookingFrom(json))
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

      dueForExpiry: (now, limit) =>
        Effect.map(
          call("due", () => client.zrangebyscore(keys.expiring, "-inf", DateTime.toEpochMillis(now), "LIMIT", 0, limit)),
          (members) => members.map((member) => member.slice(member.indexOf("/") + 1) as BookingId),
        ),

      get,

      ownedBy: (owner, page) =>
        Effect.gen(function* () {
          const members = yield* call("owned", () =>
            client.zrevrange(keys.owner(owner), page.offset, page.offset + page.limit))
          const shown = members.slice(0, page.limit)
          // Each booking in its own slot: one GET each, not an MGET across slots.
          const jsons = yield* call("owned", () =>
            Promise.all(shown.map((member) => {
              const slash = member.indexOf("/")
              return client.get(keys.booking(member.slice(0, slash), member.slice(slash + 1)))
            })))
          const items = yield* Effect.forEach(jsons.filter((json): json is string => json !== null), bookingFrom)
          return { items, more: members.length > page.limit }
        }),

      ofFlight: (flightId, page) =>
        Effect.gen(function* () {
          const ids = yield* call("flight bookings", () =>
            client.zrevrange(keys.bookings(flightId), page.offset, page.offset + page.limit))
          const shown = ids.slice(0, page.limit)
          if (shown.length === 0) return { items: [], more: false }
          // One slot, the flight's: one MGET.
          const jsons = yield* call("flight bookings", () => client.mget(shown.map((id) => keys.booking(flightId, id))))
          const items = yield* Effect.forEach(jsons.filter((json): json is string => json !== null), bookingFrom)
          return { items, more: ids.length > page.limit }
        }),

      findByReference: (reference) =>
        Effect.gen(function* () {
          const id = yield* call("reference", () => client.get(keys.reference(reference)))
          return id === null ? Option.none() : yield* get(id as BookingId)
        }),

      activeOnFlight: (flightId) =>
        Effect.gen(function* () {
          const ids = yield* call("active", () => client.smembers(keys.active(flightId)))
          if (ids.length === 0) return []
          const jsons = yield* call("active", () => client.mget(ids.map((id) => keys.booking(flightId, id))))
          return yield* Effect.forEach(jsons.filter((json): json is string => json !== null), bookingFrom)
        }),

      seatMap: (flightId, cabin) =>
        Effect.gen(function* () {
          const seating = yield* repository.seating(flightId)
          if (Option.isNone(seating)) return yield* Effect.fail(new FlightNotFound({ flightId }))
          const layout = seating.value.cabins.find((candidate) => candidate.cabin === cabin)
          if (layout === undefined) return yield* Effect.fail(new CabinNotOnFlight({ flightId, cabin }))
          const holders = yield* call("seat map", () => client.hgetall(keys.seats(flightId, cabin)))
          return seatsOf(layout).map((seat) => {
            const holder = holders[seat]
            return { seat, state: holder === undefined ? "free" as const : holder.startsWith("s:") ? "sold" as const : "held" as const }
          })
        }),

      claimKey: (key, fingerprint, pending) =>
        Effect.gen(function* () {
          const ttl = Math.max(1, DateTime.toEpochMillis(pending) - (yield* Clock.currentTimeMillis))
          const claimed = yield* call("claim key", () =>
            client.set(keys.key(key), JSON.stringify({ fingerprint, response: null }), "PX", ttl, "NX"))
          if (claimed === "OK") return { _tag: "Claimed" } satisfies KeyClaim
          const json = yield* call("claim key", () => client.get(keys.key(key)))
          // Gone between the two calls (its claim ran out): claim it again.
          if (json === null) return yield* repository.claimKey(key, fingerprint, pending)
          const recorded = JSON.parse(json) as { fingerprint: string; response: string | null }
          return { _tag: "Recorded", fingerprint: recorded.fingerprint, response: Option.fromNullable(recorded.response) } satisfies KeyClaim
        }),

      recordKey: (key, fingerprint, response) =>
        Effect.asVoid(call("record key", () =>
          client.set(keys.key(key), JSON.stringify({ fingerprint, response }), "PX", Duration.toMillis(keyRetention)))),

      releaseKey: (key) => Effect.asVoid(script("releaseKey", [keys.key(key)], [])),

      claimReference: (reference, id) =>
        Effect.map(call("claim reference", () => client.set(keys.reference(reference), id, "NX")), (ok) => ok === "OK"),
    }

    const release = (
      booking: Booking,
      reason: string,
      mode: "cancel" | "expire",
      now: DateTime.Utc,
      event: { readonly message: AnyMessage; readonly traceparent: string | null },
    ) =>
      Effect.gen(function* () {
        const flight = booking.flightId
        yield* dirty(flight)
        const result = (yield* script("release", [
          keys.booking(flight, booking.id),
          keys.seats(flight, booking.cabin),
          keys.expiries(flight),
          keys.active(flight),
          keys.outbox(flight),
          ...yield* countedIn(booking),
        ], [
          reason,
          DateTime.formatIso(now),
          Catalogue.encodeJson(event.message),
          event.traceparent ?? "",
          event.message.id,
          mode,
          DateTime.toEpochMillis(now),
        ])) as [string, string]
        if (result[0] === "ok") yield* written(flight)
        return result
      })

    const forget = (booking: Booking) =>
      Effect.asVoid(call("expiring", () => client.zrem(keys.expiring, `${booking.flightId}/${booking.id}`)))

    const outbox = RedisOutbox.make(client, keys, script, wakeup.written)
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
