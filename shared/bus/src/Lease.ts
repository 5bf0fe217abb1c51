/**
 * A lease renewed while its holder works. Work that other processes must not take over while it
 * runs (outbox entries being published, a charge under way) is leased for a short time and renewed
 * beside the work, every third of the lease: a holder that is only slow keeps its work however long
 * it takes, and a holder that died (SIGKILL, a lost machine) loses it one lease later, to a restarted
 * process or another instance. A lease is therefore short: a few seconds, not the longest the work
 * may take. See docs/decisions/0015-short-renewed-leases.md.
 */
import { Duration, Effect, Fiber } from "effect"

/** How often a holder renews a lease of this length: a third of it, so two renewals may be late. */
export const renewalInterval = (lease: Duration.DurationInput): Duration.Duration => Duration.unsafeDivide(Duration.decode(lease), 3)

/**
 * Runs `work` while `renew` runs beside it every third of `lease` (the first a third of a lease
 * after the start). A renewal that fails is logged and the next one tried on time; the renewals stop
 * when the work ends, however it ends.
 */
export const renewedWhile = <R2>(renew: Effect.Effect<unknown, unknown, R2>, lease: Duration.DurationInput, what: string) =>
<A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | R2> => {
  const renewals = renew.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning(`lease of ${what} not renewed`, cause)),
    Effect.delay(renewalInterval(lease)),
    Effect.forever,
  )
  // The renewals never end by themselves: they run in a fiber of their own, interrupted (and waited
  // for) when the work ends, however it ends. They are interruptible even where the work is not (a
  // claim, a send and its recording in one piece): a fiber inherits its parent's region, and
  // uninterruptible renewals would never end. A fiber forked beside the work costs about half of a
  // race of the two (Effect.raceFirst forks both and joins them), on every relay pass and
  // notification (docs/benchmarks.md, "Races on the hot paths").
  return Effect.acquireUseRelease(
    Effect.forkDaemon(Effect.interruptible(renewals)),
    () => work,
    (renewing) => Fiber.interrupt(renewing),
  )
}

/**
 * The leases of many pieces of work of one kind, renewed together: while any runs, one loop renews
 * the keys of all that run then, in one `renew`, every third of `lease` (so a key's first renewal
 * comes at most a third of a lease after its work starts, as with `renewedWhile`). Where each piece
 * is short and many run at once (a payment's charge), that is one renewal for all of them instead
 * of a fiber and a timer for each: the loop starts with the first key held and ends at the first
 * tick that finds none. A renewal that fails is logged and the next one tried on time.
 */
export const keeper = <K, R>(renew: (keys: ReadonlyArray<K>) => Effect.Effect<unknown, unknown, R>, lease: Duration.DurationInput, what: string) => {
  const held = new Map<K, number>()
  let running = false
  const tick: Effect.Effect<boolean, never, R> = Effect.delay(
    Effect.suspend(() => {
      if (held.size === 0) {
        running = false
        return Effect.succeed(false)
      }
      const keys = [...held.keys()]
      return renew(keys).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning(`lease of ${what} ${keys.join(", ")} not renewed`, cause)),
        Effect.as(true),
      )
    }),
    renewalInterval(lease),
  )
  const loop = Effect.repeat(tick, { while: (more) => more })
  const release = (keys: ReadonlyArray<K>) =>
    Effect.sync(() => {
      for (const key of keys) {
        const count = held.get(key) ?? 0
        if (count <= 1) held.delete(key)
        else held.set(key, count - 1)
      }
    })

  /** Runs `work` with the leases of `keys` renewed while it runs, however it ends. */
  return (keys: ReadonlyArray<K>) =>
  <A, E, R2>(work: Effect.Effect<A, E, R2>): Effect.Effect<A, E, R | R2> =>
    Effect.acquireUseRelease(
      Effect.suspend(() => {
        for (const key of keys) held.set(key, (held.get(key) ?? 0) + 1)
        if (running) return Effect.void
        running = true
        // A daemon, interruptible whatever region the work runs in: it ends by itself once nothing is held.
        return Effect.asVoid(Effect.forkDaemon(Effect.interruptible(loop)))
      }),
      () => work,
      () => release(keys),
    )
}
