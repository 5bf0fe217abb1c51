/**
 * The transactional outbox, store-agnostic. A service writes its events to its own store's outbox
 * in the same atomic step as the change they report; the relay takes pending entries, publishes
 * them with confirms, and marks them done. Entries are leased, so several relays (one per service
 * instance) share the work without publishing an entry twice at the same time. The lease is short
 * (3 s) and renewed while the relay works on its entries (see `Lease`): a slow broker does not cost
 * a live relay its entries, and the entries of a relay that died are taken by another, or by the
 * restarted process, a lease later. Delivery is at-least-once: a relay that stops between the
 * broker's confirm and marking the entry done publishes it again, and consumers drop the copy by id.
 */
import type { Publishable } from "@flight/contracts"
import { Cause, Clock, Context, Data, Duration, Effect, Exit, Metric, Option, Ref, type Schedule, type Scope } from "effect"
import * as BusMetrics from "./BusMetrics.ts"
import * as HandlerPolicy from "./HandlerPolicy.ts"
import * as Lease from "./Lease.ts"
import { MessageBus, type PublishError } from "./MessageBus.ts"
import * as SendWindow from "./SendWindow.ts"

export interface OutboxEntry {
  readonly id: string
  /** The message, or (from a store that keeps its JSON) the message as it was stored, published as it is. */
  readonly message: Publishable
  /** The trace of the request that produced the message; the relay's publish span continues it. */
  readonly traceparent: string | null
}

export class OutboxStoreError extends Data.TaggedError("OutboxStoreError")<{ readonly reason: string }> {
  override get message() {
    return `outbox store: ${this.reason}`
  }
}

export interface ClaimRequest {
  readonly owner: string
  readonly limit: number
  readonly lease: Duration.Duration
}

/** What a store provides for its outbox. Each service's store implements it over its own database. */
export interface OutboxStore {
  /** Leases up to `limit` unpublished entries, oldest first, skipping those leased to another relay. */
  readonly claim: (request: ClaimRequest) => Effect.Effect<ReadonlyArray<OutboxEntry>, OutboxStoreError>
  /**
   * Extends the lease of the entries among `ids` that `owner` still holds to `lease` from now, and
   * answers their ids: an entry another relay took (the owner's lease ran out) is not taken back.
   */
  readonly renew: (owner: string, ids: ReadonlyArray<string>, lease: Duration.Duration) => Effect.Effect<ReadonlyArray<string>, OutboxStoreError>
  /** Marks entries published. */
  readonly complete: (owner: string, ids: ReadonlyArray<string>) => Effect.Effect<void, OutboxStoreError>
  /** Gives back entries the relay could not publish, so they are taken again at once. */
  readonly release: (owner: string, ids: ReadonlyArray<string>) => Effect.Effect<void, OutboxStoreError>
  /** Unpublished entries and the age of the oldest, for the lag metrics. */
  readonly stats: Effect.Effect<{ readonly pending: number; readonly oldestAgeMillis: number | null }, OutboxStoreError>
  /**
   * Completes when this process may have written entries since it was last awaited, so an idle
   * relay publishes them at once instead of at its next poll. Optional: without it the relay polls.
   */
  readonly written?: Effect.Effect<void>
}

/** A service's outbox, as its store adapter provides it. */
export class Store extends Context.Tag("@flight/bus/Outbox/Store")<Store, OutboxStore>() {}

/** Wakes an idle relay when the store writes: the writer calls `notify`, the store's `written` awaits. */
export const makeWakeup = () => {
  const latch = Effect.unsafeMakeLatch(false)
  return { notify: latch.open, written: Effect.zipRight(latch.await, latch.close) }
}

/** How long a relay holds the entries it claimed without renewing them: the longest a crash delays them. */
export const defaultLease = Duration.seconds(3)

export interface RelayOptions {
  readonly batchSize?: number
  /** How long the entries a relay claimed stay its own without a renewal (`defaultLease`). */
  readonly lease?: Duration.DurationInput
  /** How long the relay sleeps when it finds nothing to publish (less when the store says it wrote). */
  readonly idleDelay?: Duration.DurationInput
  /**
   * How long a relay woken by a write waits before its pass, so that the writes of that moment go
   * out in one pass (none by default: the pass starts at once). For events no step waits on, where a
   * pass costs the store more than a short delay costs anyone.
   */
  readonly linger?: Duration.DurationInput
  /** Backoff after the broker or the store failed. */
  readonly backoff?: Schedule.Schedule<unknown>
  /**
   * How many publishes of a pass await the broker's confirm at once (`defaultWindow`); 1 sends each
   * entry only after the one before it is confirmed.
   */
  readonly window?: number
}

/**
 * Publishes awaiting their confirm at once in a pass. A confirm is a round trip and, on a quorum
 * queue, a write to the broker's log: one at a time, a relay published a few hundred entries a
 * second and a burst of entries waited for each other's confirms (docs/benchmarks.md).
 */
export const defaultWindow = 32

/**
 * One pass: claim a batch, publish it in order, complete what was confirmed, give back the rest.
 * Answers how many were published. The entries start in their order, up to `window` of them
 * awaiting the broker's confirm at once (the next starts as any one in flight ends); a failed
 * publish stops the pass from starting more, and the publishes in flight end on their own.
 * Beside the publishing, the lease of the batch is renewed every
 * third of the lease, however slow the broker is (a publish is bounded by the bus's own publish
 * timeout, after which it fails and the pass gives the rest back). An entry is published only while
 * the relay knows it holds it: the last renewal that succeeded (or the claim) was sent less than half a lease ago,
 * and still counted the entry as this relay's. So when the store stops answering renewals, the pass
 * stops before its lease can run out, and an entry another relay took meanwhile is left to it.
 */
export const relayOnce = (store: OutboxStore, owner: string, options: RelayOptions = {}) =>
  Effect.gen(function* () {
    const bus = yield* MessageBus
    const lease = Duration.decode(options.lease ?? defaultLease)
    const claimedAt = yield* Clock.currentTimeMillis
    const entries = yield* store.claim({ owner, limit: options.batchSize ?? 100, lease })
    if (entries.length === 0) return 0
    const held = yield* Ref.make({ ids: new Set(entries.map((entry) => entry.id)), since: claimedAt })
    const renew = Effect.gen(function* () {
      const sentAt = yield* Clock.currentTimeMillis
      const still = yield* store.renew(owner, [...(yield* Ref.get(held)).ids], lease)
      yield* Ref.set(held, { ids: new Set(still), since: sentAt })
    })
    const published: Array<string> = []
    const unsent: Array<string> = []
    const failed: { first: PublishError | null } = { first: null }
    /** Entries that cannot be encoded, found by a send that waited for a connection (in its answer): logged after the pass. */
    const cannot: Array<readonly [string, Cause.Cause<unknown>]> = []
    // Sent one after the other in the entries' order, up to `window` awaiting their confirms, with no
    // fiber for any (a fiber an entry cost more than the relay's own work on it: docs/benchmarks.md,
    // "The relay's sends"). On a live connection each is written to the bus's one channel as its send
    // runs, so the broker gets them in that order; one that waits for a connection goes when it is
    // woken, after later ones perhaps. A refused entry goes out again later, after those behind it.
    const sendOne = (entry: OutboxEntry, done: () => void) =>
      Effect.gen(function* () {
        const { ids, since } = yield* Ref.get(held)
        if (!ids.has(entry.id)) return false
        if (failed.first !== null || (yield* Clock.currentTimeMillis) - since >= Duration.toMillis(lease) / 2) {
          unsent.push(entry.id)
          return false
        }
        // Bounded by the bus: a send is answered with a failure once its publish timeout passes
        // without a confirm (MessageBus.send); the pass ends when every entry sent has its answer.
        return yield* bus.send(entry.message, { traceparent: entry.traceparent }, (exit) => {
          if (Exit.isSuccess(exit)) published.push(entry.id)
          else if (Cause.isDie(exit.cause) && !Cause.isFailure(exit.cause)) cannot.push([entry.id, exit.cause])
          else {
            // Refused or timed out: the pass starts no more. Interrupted (a send that waited for a
            // connection, stopped with the pass): given back too.
            const failure = Cause.failureOption(exit.cause)
            if (Option.isSome(failure)) failed.first ??= failure.value
            unsent.push(entry.id)
          }
          done()
        }).pipe(
          Effect.as(true),
          // An entry that cannot even be encoded (say, a version newer than this build) is a bug to
          // see, not a reason to stop the relay: it is logged and left leased, so it is retried after
          // the lease and stays counted as pending, while the entries behind it go out.
          Effect.catchAllDefect((defect) => Effect.logError(`outbox entry ${entry.id} cannot be published`, defect).pipe(Effect.as(false))),
        )
      })
    const publishAll = SendWindow.inOrder(entries, options.window ?? defaultWindow, sendOne)
    yield* publishAll.pipe(Lease.renewedWhile(renew, lease, "outbox entries"))
    for (const [id, cause] of cannot) yield* Effect.logError(`outbox entry ${id} cannot be published`, cause)
    if (published.length > 0) yield* store.complete(owner, published)
    if (unsent.length > 0) yield* store.release(owner, unsent)
    if (failed.first !== null) return yield* Effect.fail(failed.first)
    return published.length
  })

/**
 * Runs the relay until the scope closes: publishes as long as there are entries, sleeps a little
 * when there are none, backs off while the broker or the store is down.
 */
export const startRelay = (
  store: OutboxStore,
  options: RelayOptions = {},
): Effect.Effect<void, never, MessageBus | Scope.Scope> =>
  Effect.gen(function* () {
    const owner = crypto.randomUUID()
    const batchSize = options.batchSize ?? 100
    const idle = Duration.decode(options.idleDelay ?? "100 millis")
    const linger = Duration.decode(options.linger ?? Duration.zero)
    const woken = store.written === undefined || Duration.isZero(linger) ? store.written : Effect.zipRight(store.written, Effect.sleep(linger))
    const pause = woken === undefined ? Effect.sleep(idle) : Effect.raceFirst(Effect.sleep(idle), woken)
    const pass = relayOnce(store, owner, options).pipe(
      Effect.tapError((error) => Effect.logWarning(`outbox relay: ${error.message}`)),
      Effect.retry(options.backoff ?? HandlerPolicy.reconnect),
      Effect.flatMap((count) => (count < batchSize ? pause : Effect.void)),
      // Nothing may end the relay but its scope: an unexpected failure is logged and the loop goes on.
      Effect.catchAllCause((cause) => Effect.zipRight(Effect.logError("outbox relay pass failed", cause), Effect.sleep(idle))),
    )
    yield* Effect.forkScoped(Effect.forever(pass))
    const lag = store.stats.pipe(
      Effect.flatMap(({ pending, oldestAgeMillis }) =>
        Effect.zipRight(
          Metric.set(BusMetrics.outboxPending, pending),
          Metric.set(BusMetrics.outboxLagSeconds, (oldestAgeMillis ?? 0) / 1000),
        )
      ),
      Effect.ignore,
      Effect.zipRight(Effect.sleep("5 seconds")),
      Effect.forever,
    )
    yield* Effect.forkScoped(lag)
  })

interface Row {
  readonly entry: OutboxEntry
  readonly createdAt: number
  owner: string | null
  leaseUntil: number
}

/** How many published ids the in-memory outbox remembers (for tests and inspection). */
const rememberedPublished = 10_000

/**
 * An in-memory outbox, for the embedded mode and tests. `appendNow` is synchronous, so a store can
 * make it part of one synchronous (hence atomic) change of its own state; `append` is the same as
 * an Effect. Published entries are dropped; the ids of the last 10,000 are remembered.
 */
export const inMemory = () => {
  let rows: Array<Row> = []
  const published: Array<string> = []
  const wakeup = makeWakeup()
  const appendNow = (entries: ReadonlyArray<OutboxEntry>, now: number) => {
    for (const entry of entries) rows.push({ entry, createdAt: now, owner: null, leaseUntil: 0 })
    if (entries.length > 0) Effect.runSync(wakeup.notify)
  }
  const store: OutboxStore & {
    readonly append: (entries: ReadonlyArray<OutboxEntry>) => Effect.Effect<void>
    readonly appendNow: (entries: ReadonlyArray<OutboxEntry>, now: number) => void
    readonly published: () => ReadonlyArray<string>
  } = {
    append: (entries) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => appendNow(entries, now))),
    appendNow,
    published: () => published.slice(),
    written: wakeup.written,
    claim: ({ owner, limit, lease }) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const claimed = rows
            .filter((row) => row.owner === null || row.owner === owner || row.leaseUntil <= now)
            .slice(0, limit)
          for (const row of claimed) {
            row.owner = owner
            row.leaseUntil = now + Duration.toMillis(lease)
          }
          return claimed.map((row) => row.entry)
        })),
    renew: (owner, ids, lease) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const wanted = new Set(ids)
          const still = rows.filter((row) => row.owner === owner && wanted.has(row.entry.id))
          for (const row of still) row.leaseUntil = now + Duration.toMillis(lease)
          return still.map((row) => row.entry.id)
        })),
    complete: (owner, ids) =>
      Effect.sync(() => {
        const done = new Set(ids)
        rows = rows.filter((row) => {
          if (row.owner !== owner || !done.has(row.entry.id)) return true
          published.push(row.entry.id)
          return false
        })
        if (published.length > rememberedPublished) published.splice(0, published.length - rememberedPublished)
      }),
    release: (owner, ids) =>
      Effect.sync(() => {
        for (const row of rows) {
          if (row.owner === owner && ids.includes(row.entry.id)) row.owner = null
        }
      }),
    stats: Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => ({ pending: rows.length, oldestAgeMillis: rows.length === 0 ? null : now - rows[0]!.createdAt }))),
  }
  return store
}
