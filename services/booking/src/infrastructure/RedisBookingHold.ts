/**
 * A hold on Redis (decision 10): the booking as held, built once; the hold script's keys and
 * arguments (`RedisHoldScript`); the global writes before it and the mark after it, in one round trip
 * (`RedisHoldRoundTrip`); and its answer as the booking held or the refusal. A hold that holds
 * nothing removes the names written before it again; a hold of an id held before (a creation
 * retried under its Idempotency-Key's claim) answers that booking and puts its names back as they were.
 */
import { Catalogue, type SeatNumber } from "@flight/contracts"
import { DateTime, Effect } from "effect"
import type { Redis } from "ioredis"
import type { Booking } from "../domain/Booking.ts"
import { encodedBooking } from "../domain/BookingJson.ts"
import {
  type BookingRepository,
  BookingStoreError,
  CabinNotOnFlight,
  FlightNotBookable,
  FlightNotFound,
  type HoldRequest,
  pendingBooking,
} from "../domain/BookingRepository.ts"
import { SeatsUnavailable } from "../domain/SeatInventory.ts"
import { call } from "./RedisCall.ts"
import * as RedisHoldLimits from "./RedisHoldLimits.ts"
import * as RedisHoldRoundTrip from "./RedisHoldRoundTrip.ts"
import * as RedisHoldScript from "./RedisHoldScript.ts"
import type { Keys } from "./RedisKeys.ts"
import { markRetry, type marks } from "./RedisOutbox.ts"

/** Where a passenger who named no seat sits in the booking sent to the script, which chooses one. */
const placeholder = "1A" as SeatNumber

/** The script's keys and arguments for a hold request. */
const scriptInput = (keys: Keys, request: HoldRequest, pending: Booking): RedisHoldScript.Input => {
  const flight = request.flightId
  return {
    keys: {
      seating: keys.seating(flight),
      seats: keys.seats(flight, request.cabin),
      booking: keys.booking(flight, request.id),
      active: keys.active(flight),
      expiries: keys.expiries(flight),
      outbox: keys.outbox(flight),
      status: keys.status(flight),
      holders: keys.holders(flight, request.id),
      bookings: keys.bookings(flight),
      holderSets: request.limit.holders.map(keys.holder),
    },
    args: {
      // Its seats and total are the script's to write: it sets each passenger's seat as it chooses it
      // (a seat asked for is kept) and writes the total as exact text.
      booking: JSON.stringify({ ...encodedBooking(pending), total: { amount: 0, currency: "XXX" } }),
      event: Catalogue.encodeJson(request.event.message),
      traceparent: request.event.traceparent ?? "",
      requested: JSON.stringify(request.passengers.map((passenger) => passenger.seat ?? "")),
      expiresAt: DateTime.toEpochMillis(request.holdExpiresAt),
      id: request.id,
      messageId: request.event.message.id,
      totalAmount: String(request.total.amount),
      totalCurrency: request.total.currency,
      maxSeats: request.limit.maxSeats,
      now: DateTime.toEpochMillis(request.now),
    },
  }
}

/** What the global keys say of a booking held (or about to be) at `createdAt`. */
const indexesOf = (
  booking: Pick<Booking, "id" | "reference" | "flightId" | "owner" | "holdExpiresAt">,
  createdAt: DateTime.Utc,
): RedisHoldRoundTrip.HoldIndexes => ({
  flight: booking.flightId,
  id: booking.id,
  reference: booking.reference,
  owner: booking.owner,
  expiresAt: DateTime.toEpochMillis(booking.holdExpiresAt),
  createdAt: DateTime.toEpochMillis(createdAt),
})

/** The hold on the store's connection; `outbox` its dirty marks (see `RedisOutbox.marks`). */
export const make = (
  client: Redis,
  keys: Keys,
  outbox: ReturnType<typeof marks> & { readonly notify: Effect.Effect<void> },
): BookingRepository["Type"]["hold"] => {
  /** The reference drawn for the request, given back when it still names the request's booking id. */
  const giveBack = (request: HoldRequest) =>
    client.get(keys.reference(request.reference)).then((owner) =>
      owner === request.id ? client.del(keys.reference(request.reference)) : 0
    )

  /** Nothing was held: the names written before the script lead nowhere; drop them (best effort). */
  const forgetNames = (request: HoldRequest) => {
    const member = `${request.flightId}/${request.id}`
    return call("hold cleanup", () =>
      Promise.all([
        client.del(keys.where(request.id)),
        client.zrem(keys.expiring, member),
        ...(request.owner === null ? [] : [client.zrem(keys.owner(request.owner), member)]),
        giveBack(request),
      ])).pipe(Effect.ignore)
  }

  /**
   * The id was held before: the names written before the script are the booking's own again (this
   * request's hold expiry and time overwrote its scores), and a reference drawn for this request,
   * not the booking's, leads nowhere.
   */
  const restoreNames = (request: HoldRequest, booking: Booking) =>
    call("hold replayed", () =>
      Promise.all([
        ...RedisHoldRoundTrip.before(client, keys, indexesOf(booking, booking.createdAt)),
        booking.reference === request.reference ? 0 : giveBack(request),
      ])).pipe(Effect.retry(markRetry))

  return (request) =>
    Effect.gen(function* () {
      const flight = request.flightId
      // The booking as held, built once from the request's fields and encoded once.
      const pending = pendingBooking(request, request.passengers.map((passenger) => passenger.seat ?? placeholder))
      const indexes = indexesOf(request, request.now)
      const sent = yield* call("hold", () => RedisHoldRoundTrip.send(client, keys, indexes, scriptInput(keys, request, pending)))
      const reply = yield* RedisHoldScript.hold.decode(sent.reply).pipe(Effect.tapError(() => forgetNames(request)))
      if (reply[0] !== "ok" && reply[0] !== "replayed") yield* forgetNames(request)
      switch (reply[0]) {
        case "ok": {
          // Held, but a write before it failed: written again, or the booking could not be found or expire.
          if (sent.failed.length > 0) {
            yield* call("hold indexes", () => Promise.all(RedisHoldRoundTrip.before(client, keys, indexes))).pipe(
              Effect.retry(markRetry),
            )
          }
          yield* sent.markAgain ? outbox.written(flight) : outbox.notify
          // The script answers the seats it chose: only they are new to the booking built above.
          const [, , ...seats] = reply
          if (seats.length !== request.passengers.length) {
            return yield* Effect.fail(new BookingStoreError({ operation: "hold", reason: `${seats.length} seats answered for ${request.passengers.length} passengers`, transient: false }))
          }
          return { booking: pendingBooking(request, seats), replayed: false }
        }
        case "replayed":
          yield* restoreNames(request, reply[1])
          return { booking: reply[1], replayed: true }
        case "limit":
          return yield* RedisHoldLimits.refusal(reply[1], reply[2], request.limit.maxSeats, DateTime.toEpochMillis(request.now))
        case "flight-not-found":
          return yield* Effect.fail(new FlightNotFound({ flightId: flight }))
        case "not-bookable":
          return yield* Effect.fail(new FlightNotBookable({ flightId: flight, status: reply[1] }))
        case "cabin-not-on-flight":
          return yield* Effect.fail(new CabinNotOnFlight({ flightId: flight, cabin: request.cabin }))
        case "taken":
        case "unavailable": {
          const [, available, ...taken] = reply
          return yield* Effect.fail(new SeatsUnavailable({
            flightId: request.flightId,
            cabin: request.cabin,
            seats: taken,
            requested: request.passengers.length,
            available,
          }))
        }
      }
    })
}
