/**
 * Which bookings' intents arrived in this process lately, and the signal that wakes whoever waits
 * for one: a store signals when `booking.created` (or a cancellation that came first) put the intent
 * there, by this process or, through its database's notifications, by another instance.
 *
 * A request takes a mark before it first looks for its intent (`mark`, a count of the signals so
 * far) and, only when it found none, asks for the intent's arrival since that mark (`arrival`): an
 * intent signalled while the look was under way answers at once, and otherwise the request waits
 * for the signal. So a request whose intent is there registers nothing (most of them), and one that
 * overtook its intent misses no signal. The arrivals are kept `retention` long, longer than a look.
 */
import { Deferred, Duration, Effect, FiberId } from "effect"

export const make = (retention: Duration.DurationInput = "30 seconds") => {
  const keepFor = Duration.toMillis(Duration.decode(retention))
  const waiting = new Map<string, { readonly opened: Deferred.Deferred<void>; count: number }>()
  // The bookings signalled, oldest first, each with its signal's number and time.
  const arrived = new Map<string, { readonly signal: number; readonly at: number }>()
  let signals = 0

  /** The signals so far: what a request notes before its first look. */
  const mark = Effect.sync(() => signals)

  const register = (bookingId: string) =>
    Effect.sync(() => {
      const entry = waiting.get(bookingId) ?? { opened: Deferred.unsafeMake<void>(FiberId.none), count: 0 }
      entry.count++
      waiting.set(bookingId, entry)
      return entry
    })

  const unregister = (bookingId: string, entry: { count: number }) =>
    Effect.sync(() => {
      entry.count--
      if (entry.count === 0 && waiting.get(bookingId) === entry) waiting.delete(bookingId)
    })

  /** Completes once the booking's intent arrived after `since` (a `mark`): at once if it already has. */
  const arrival = (bookingId: string, since: number): Effect.Effect<void> =>
    Effect.suspend(() =>
      (arrived.get(bookingId)?.signal ?? 0) > since
        ? Effect.void
        : Effect.acquireUseRelease(register(bookingId), (entry) => Deferred.await(entry.opened), (entry) => unregister(bookingId, entry))
    )

  /** Notes the booking's intent as arrived and wakes whoever waits for it (nobody, most of the time). */
  const signal = (bookingId: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      const now = performance.now()
      arrived.delete(bookingId)
      arrived.set(bookingId, { signal: ++signals, at: now })
      for (const [oldest, { at }] of arrived) {
        if (now - at <= keepFor) break
        arrived.delete(oldest)
      }
      const entry = waiting.get(bookingId)
      if (entry === undefined) return Effect.void
      waiting.delete(bookingId)
      return Deferred.succeed(entry.opened, undefined)
    })

  return { mark, arrival, signal } as const
}
