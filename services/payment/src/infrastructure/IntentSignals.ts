/**
 * Who is waiting for a booking's intent in this process, and the signal that wakes them: a store
 * signals when `booking.created` (or a cancellation that came first) put the intent there, by this
 * process or, through its database's notifications, by another instance.
 */
import { Deferred, Effect, FiberId, type Scope } from "effect"

export const make = () => {
  const waiting = new Map<string, { readonly opened: Deferred.Deferred<void>; count: number }>()

  /** Registers a waiter for the booking now; the inner Effect completes once it is signalled. */
  const opened = (bookingId: string): Effect.Effect<Effect.Effect<void>, never, Scope.Scope> =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const entry = waiting.get(bookingId) ?? { opened: Deferred.unsafeMake<void>(FiberId.none), count: 0 }
        entry.count++
        waiting.set(bookingId, entry)
        return entry
      }),
      (entry) =>
        Effect.sync(() => {
          entry.count--
          if (entry.count === 0 && waiting.get(bookingId) === entry) waiting.delete(bookingId)
        }),
    ).pipe(Effect.map((entry) => Deferred.await(entry.opened)))

  /** Wakes whoever waits for the booking (nobody, most of the time). */
  const signal = (bookingId: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      const entry = waiting.get(bookingId)
      if (entry === undefined) return Effect.void
      waiting.delete(bookingId)
      return Deferred.succeed(entry.opened, undefined)
    })

  return { opened, signal } as const
}
