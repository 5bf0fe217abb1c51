/**
 * Booking references on Redis (decision 10): each reference is a global key of its own naming its
 * booking, claimed with `SET NX`, so no two bookings share one. A process claims references ahead,
 * a batch at a time in one round trip, and a new booking takes one from what it claimed, so that a
 * booking waits for no claim of its own; the hold's round trip then names the booking under it
 * (`RedisHoldRoundTrip.before`). With none claimed ahead (a burst, a failed batch) a booking claims
 * one itself, as before.
 *
 * A reference claimed ahead holds the value `reserved`, which names no booking, with an expiry
 * (`reservedFor`): references a stopped process claimed and never used are free again after it. A
 * process uses its own only while far from that expiry (`usableFor`), since past it another process
 * could claim the same reference; so the store must not evict keys before their time (Redis's
 * `maxmemory-policy noeviction`, which a store of bookings needs anyway).
 */
import type { BookingId, BookingReference } from "@flight/contracts"
import { Duration, Effect } from "effect"
import type { Redis } from "ioredis"
import { randomReference } from "../domain/Booking.ts"
import { BookingStoreError } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"
import type { Keys } from "./RedisKeys.ts"

/** What a reference claimed ahead holds until a booking names it: no booking id looks like it. */
export const reservedValue = "reserved"

export interface Options {
  /** How many references one claim ahead draws (64). */
  readonly batch?: number
  /** A new batch is claimed when fewer than this many are left (16). */
  readonly lowWater?: number
  /** The expiry of a reference claimed ahead (1 hour). */
  readonly reservedFor?: Duration.DurationInput
  /** How long after its claim a reference claimed ahead is still used (10 minutes). */
  readonly usableFor?: Duration.DurationInput
  /** How a reference is drawn (`randomReference`); a test draws from a few. */
  readonly draw?: () => BookingReference
}

export const make = (client: Redis, keys: Keys, options: Options = {}) => {
  const draw = options.draw ?? randomReference
  const batch = options.batch ?? 64
  const lowWater = options.lowWater ?? 16
  const reservedSeconds = Math.ceil(Duration.toSeconds(Duration.decode(options.reservedFor ?? "1 hour")))
  const usableMillis = Duration.toMillis(Duration.decode(options.usableFor ?? "10 minutes"))
  if (usableMillis * 2 >= reservedSeconds * 1000) throw new Error("a reference claimed ahead must stay usable for less than half its expiry")

  // Oldest first; each with the time its claim was sent (a monotonic clock: the wall clock may jump).
  const ready: Array<{ readonly reference: BookingReference; readonly claimedAt: number }> = []
  let claiming = false

  /** Claims a batch ahead, in one round trip; a failed batch leaves the bookings to claim their own. */
  const claimAhead = () => {
    if (claiming) return
    claiming = true
    const claimedAt = performance.now()
    const drawn = Array.from({ length: batch }, draw)
    const pipeline = client.pipeline()
    for (const reference of drawn) pipeline.set(keys.reference(reference), reservedValue, "EX", reservedSeconds, "NX")
    pipeline.exec()
      .then((replies) => {
        replies?.forEach(([error, reply], index) => {
          if (error === null && reply === "OK") ready.push({ reference: drawn[index]!, claimedAt })
        })
      }, () => undefined)
      .finally(() => {
        claiming = false
      })
  }

  /** A reference claimed ahead and still usable, if any; claims the next batch when few are left. */
  const takeReady = (): BookingReference | undefined => {
    const now = performance.now()
    while (ready.length > 0 && now - ready[0]!.claimedAt >= usableMillis) ready.shift()
    const taken = ready.shift()
    if (ready.length < lowWater) claimAhead()
    return taken?.reference
  }

  /** A reference claimed for `id` now, drawn until one is free. */
  const claimNow = (id: BookingId) =>
    Effect.gen(function* () {
      for (let attempt = 0; attempt < 20; attempt++) {
        const reference = draw()
        const claimed = yield* call("claim reference", () => client.set(keys.reference(reference), id, "NX"))
        if (claimed === "OK") return reference
      }
      return yield* Effect.fail(new BookingStoreError({ operation: "reference", reason: "no free reference after 20 draws" }))
    })

  /** A reference no other booking has, for the booking `id` about to be held. */
  const reserve = (id: BookingId): Effect.Effect<BookingReference, BookingStoreError> =>
    Effect.suspend(() => {
      const taken = takeReady()
      return taken === undefined ? claimNow(id) : Effect.succeed(taken)
    })

  return { reserve }
}
