/**
 * The lease contract every `OutboxStore` adapter passes, on its real server: a relay that keeps
 * renewing keeps its entries past the lease, one that stopped loses them a lease later, and relays
 * as the services run them (`startRelay` with the default lease) take over the entries of a relay
 * that died within `takeoverBound`. Real time throughout (the stores keep their own clocks).
 */
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Clock, Duration, Effect, Exit, Fiber, Logger, Schedule, Scope } from "effect"
import * as InProcessBus from "../InProcessBus.ts"
import * as Lease from "../Lease.ts"
import { MessageBus, withPublish } from "../MessageBus.ts"
import * as Outbox from "../Outbox.ts"

/** Within how long of a crash its events go out: the issue's promise to the services' users. */
export const takeoverBound = Duration.seconds(5)

/**
 * What the bound is given on top, for a busy two-core machine running the servers beside the test:
 * a poll or a renewal a few hundred milliseconds late, twice over.
 */
export const slack = Duration.seconds(1)

export interface Subject {
  readonly store: Outbox.OutboxStore
  /** Writes `count` entries the way the service's store does (one change each). */
  readonly write: (count: number) => Effect.Effect<void, unknown>
}

/** How the services run their relays: the default lease, a poll a second when idle. */
const asTheServicesRun = { idleDelay: "1 second" } as const

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/** Polls `check` every 50 ms until it holds, for at most `within`; answers how long it took. */
const timeUntil = (what: string, check: Effect.Effect<boolean, unknown>, within: Duration.DurationInput) =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    yield* check.pipe(
      Effect.filterOrFail((done) => done, () => new Error(`never happened: ${what}`)),
      Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo(within))),
    )
    return (yield* Clock.currentTimeMillis) - start
  })

export const leases = (name: string, subject: () => Effect.Effect<Subject, unknown, Scope.Scope>) => {
  const it = (title: string, body: (subject: Subject) => Effect.Effect<void, unknown, Scope.Scope>) =>
    EffectTest.effect(title, () => Effect.flatMap(subject(), body), { layer: quiet, timeout: 60_000 })

  describe(`outbox leases: ${name}`, () => {
    it("a holder that renews keeps its entries past the lease; once it stops, another takes them a lease later", ({ store, write }) =>
      Effect.gen(function* () {
        const lease = Duration.millis(1_500)
        yield* write(3)
        const ids = (yield* store.claim({ owner: "holder", limit: 10, lease })).map((entry) => entry.id)
        expect(ids).toHaveLength(3)
        const renewals = yield* Effect.fork(
          Effect.repeat(store.renew("holder", ids, lease), Schedule.spaced(Lease.renewalInterval(lease))),
        )
        // Two leases long, another relay finds nothing: the holder's renewals keep the entries its own.
        const until = (yield* Clock.currentTimeMillis) + 2 * Duration.toMillis(lease)
        while ((yield* Clock.currentTimeMillis) < until) {
          expect(yield* store.claim({ owner: "other", limit: 10, lease })).toEqual([])
          yield* Effect.sleep("100 millis")
        }
        expect((yield* store.renew("holder", ids, lease)).toSorted()).toEqual(ids.toSorted())
        yield* Fiber.interrupt(renewals)
        // The holder stopped renewing: the entries are another's within a lease, and no sooner than
        // most of it (its last renewal is at most a third of a lease old).
        // A set: entries whose leases run out one after another (MongoDB leases each flight's
        // document on its own) are taken over several claims, and a claim answers again what its
        // owner already holds.
        const taken = new Set<string>()
        const elapsed = yield* timeUntil(
          "taken over",
          Effect.map(store.claim({ owner: "other", limit: 10, lease }), (entries) => {
            for (const entry of entries) taken.add(entry.id)
            return taken.size >= ids.length
          }),
          "10 seconds",
        )
        expect([...taken].toSorted()).toEqual(ids.toSorted())
        expect(elapsed).toBeGreaterThanOrEqual(Duration.toMillis(lease) / 2)
        expect(elapsed).toBeLessThanOrEqual(Duration.toMillis(Duration.sum(lease, slack)))
        // The late holder's renewal takes nothing back; the new holder's renews all.
        expect(yield* store.renew("holder", ids, lease)).toEqual([])
        expect((yield* store.renew("other", ids, lease)).toSorted()).toEqual(ids.toSorted())
        yield* store.complete("other", ids)
        expect((yield* store.stats).pending).toBe(0)
      }))

    it(`relays as the services run them: a stuck live relay keeps its entries, a dead one's go out within ${Duration.format(takeoverBound)}, once each`, ({ store, write }) =>
      Effect.gen(function* () {
        const { bus } = yield* InProcessBus.make()
        const attempts = yield* Effect.makeLatch(false)
        // The first relay's broker never confirms: it holds its batch, renewing, until it dies.
        const stuck = withPublish(bus, () => Effect.zipRight(attempts.open, Effect.never))
        // Written first, so that the first relay's first claim takes them all.
        yield* write(5)
        const first = yield* Scope.make()
        yield* Outbox.startRelay(store, asTheServicesRun).pipe(Effect.provideService(MessageBus, stuck), Scope.extend(first))
        yield* attempts.await
        const published = new Map<string, number>()
        const counting = withPublish(bus, (...args: Parameters<typeof bus.publish>) =>
          Effect.zipLeft(bus.publish(...args), Effect.sync(() => void published.set(args[0].id, (published.get(args[0].id) ?? 0) + 1))))
        yield* Outbox.startRelay(store, asTheServicesRun).pipe(Effect.provideService(MessageBus, counting))
        // Longer than a lease beside a live relay whose broker hangs: nothing is taken from it.
        yield* Effect.sleep(Duration.sum(Outbox.defaultLease, Duration.millis(1_500)))
        expect(published.size).toBe(0)
        // The first relay dies (its renewals stop; it gives nothing back).
        yield* Scope.close(first, Exit.void)
        const elapsed = yield* timeUntil("the dead relay's entries published", Effect.sync(() => published.size === 5), "30 seconds")
        yield* Effect.sleep("1 second")
        expect([...published.values()]).toEqual([1, 1, 1, 1, 1])
        expect(elapsed).toBeLessThanOrEqual(Duration.toMillis(Duration.sum(takeoverBound, slack)))
      }))
  })
}
