/**
 * A lease renewed while its holder works. Work that other processes must not take over while it
 * runs (outbox entries being published, a charge under way) is leased for a short time and renewed
 * beside the work, every third of the lease: a holder that is only slow keeps its work however long
 * it takes, and a holder that died (SIGKILL, a lost machine) loses it one lease later, to a restarted
 * process or another instance. A lease is therefore short: a few seconds, not the longest the work
 * may take. See docs/decisions/0015-short-renewed-leases.md.
 */
import { Clock, Duration, Effect, Fiber, FiberRef, HashMap } from "effect"

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
 * the keys of all that run then, in one `renew`, every third of `lease` on a fixed beat (so a key's
 * first renewal comes about a third of a lease after its work starts, as with `renewedWhile`). Where
 * each piece is short and many run at once (a payment's charge), that is one renewal for all of them
 * instead of a fiber and a timer for each: the loop starts with the first key held and ends at the
 * first beat that finds none. A renewal that fails, or takes longer than half a beat (it is then
 * given up, so that one stuck renewal does not hold the next back), is logged and the next one tried
 * on time. Each renewal is a trace of its own: the loop belongs to no request.
 */
export const keeper = <K, R>(renew: (keys: ReadonlyArray<K>) => Effect.Effect<unknown, unknown, R>, lease: Duration.DurationInput, what: string) => {
  const held = new Map<K, number>()
  // The loop running, by number (0: none): a loop that ended is never taken for a later one.
  let loops = 0
  let running = 0
  const interval = renewalInterval(lease)
  // Half a beat: a renewal not answered by then is given up before the next beat is due.
  const patience = Duration.unsafeDivide(interval, 2)
  const renewal = (loop: number): Effect.Effect<boolean, never, R> => Effect.suspend(() => {
    if (held.size === 0) {
      if (running === loop) running = 0
      return Effect.succeed(false)
    }
    const keys = [...held.keys()]
    return renew(keys).pipe(
      Effect.timeoutFail({ duration: patience, onTimeout: () => `no answer within ${Duration.format(patience)}` }),
      Effect.catchAllCause((cause) => Effect.logWarning(`lease of ${what} ${keys.join(", ")} not renewed`, cause)),
      Effect.withSpan(`renew lease of ${what}`, { root: true, attributes: { "lease.keys": keys.length } }),
      Effect.as(true),
    )
  })
  const beatMillis = Duration.toMillis(interval)
  // On a fixed beat from the loop's start: a renewal that took long does not push the next ones back.
  const beating = (loop: number) => Effect.gen(function* () {
    const origin = yield* Clock.currentTimeMillis
    let beat = 1
    while (true) {
      const due = origin + beat * beatMillis
      const now = yield* Clock.currentTimeMillis
      if (due > now) yield* Effect.sleep(Duration.millis(due - now))
      if (!(yield* renewal(loop))) return
      beat = Math.max(beat + 1, Math.floor(((yield* Clock.currentTimeMillis) - origin) / beatMillis) + 1)
    }
  })
  const loopNumbered = (loop: number) => beating(loop).pipe(
    // However the loop ends, the next work held starts another.
    Effect.ensuring(Effect.sync(() => {
      if (running === loop) running = 0
    })),
    // The loop is forked from the work that first holds a key: it takes none of that request's logs' annotations.
    Effect.locally(FiberRef.currentLogAnnotations, HashMap.empty()),
  )
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
        if (running !== 0) return Effect.void
        running = ++loops
        // A daemon, interruptible whatever region the work runs in: it ends by itself once nothing is held.
        return Effect.asVoid(Effect.forkDaemon(Effect.interruptible(loopNumbered(running))))
      }),
      () => work,
      () => release(keys),
    )
}
