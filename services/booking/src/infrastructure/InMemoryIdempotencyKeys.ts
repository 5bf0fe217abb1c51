/**
 * The Idempotency-Keys of the booking POSTs in memory, with the Redis store's semantics
 * (`RedisIdempotencyKeys`): a new claim names a booking id of its own, a claim whose window passed
 * with nothing recorded is taken over by the same request keeping its booking id, another request
 * is refused while the key is kept (`IdempotencyKey.retention` from the claim on), the response is
 * recorded once, and `release` deletes a claim that has none, or lets it lapse when the booking it
 * named was held. Each step is one synchronous block.
 */
import { BookingId } from "@flight/contracts"
import { Idempotent, IdempotencyKey } from "@flight/runtime"
import { Clock, Duration, Effect, Option } from "effect"
import type { Booking } from "../domain/Booking.ts"
import { defaultClaimWindow, type IdempotencyKeys } from "../domain/BookingRepository.ts"

interface Held {
  readonly fingerprint: string
  readonly bookingId: BookingId
  /** Until when (ms) the claim waits for its request. */
  readonly until: number
  readonly response: Option.Option<Booking>
  /** When (ms) the key is forgotten. */
  readonly expiresAt: number
}

/**
 * The keys in memory; a claim waits `claimFor` for its request (30 s unless given); `isHeld` says
 * whether a booking id was held.
 */
export const make = (isHeld: (id: BookingId) => boolean, claimFor: Duration.DurationInput = defaultClaimWindow): IdempotencyKeys => {
  const keys = new Map<string, Held>()
  const window = Duration.toMillis(claimFor)
  const retention = Duration.toMillis(IdempotencyKey.retention)
  /** What the key holds now: nothing once it is past its retention. */
  const heldAt = (key: string, now: number) => {
    const held = keys.get(key)
    if (held === undefined || held.expiresAt > now) return held
    keys.delete(key)
    return undefined
  }
  return {
    claim: (request) =>
      Effect.map(Clock.currentTimeMillis, (now): Idempotent.Lookup<Booking, BookingId> => {
        const held = heldAt(request.key, now)
        if (held !== undefined && Option.isSome(held.response)) return Idempotent.done(held.fingerprint, held.response.value)
        const takenOver = held !== undefined && held.fingerprint === request.fingerprint && held.until <= now
        if (held !== undefined && !takenOver) return Idempotent.running(held.fingerprint)
        const bookingId = held?.bookingId ?? BookingId.make(Bun.randomUUIDv7())
        keys.set(request.key, {
          fingerprint: request.fingerprint,
          bookingId,
          until: now + window,
          response: Option.none(),
          expiresAt: now + retention,
        })
        return Idempotent.fresh(bookingId)
      }),
    record: (request, response) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const held = heldAt(request.key, now)
        if (held !== undefined && (Option.isSome(held.response) || held.fingerprint !== request.fingerprint)) return
        keys.set(request.key, {
          fingerprint: request.fingerprint,
          bookingId: response.id,
          until: now,
          response: Option.some(response),
          expiresAt: held?.expiresAt ?? now + retention,
        })
      }),
    release: (request) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const claimed = heldAt(request.key, now)
        if (claimed === undefined || Option.isSome(claimed.response) || claimed.fingerprint !== request.fingerprint) return
        if (isHeld(claimed.bookingId)) keys.set(request.key, { ...claimed, until: now })
        else keys.delete(request.key)
      }),
  }
}
