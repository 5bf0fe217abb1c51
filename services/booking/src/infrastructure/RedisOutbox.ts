/**
 * The outbox over the flights' streams (decision 10): a consumer group `relay` per stream, so each
 * entry is given to one relay at a time; entries a relay took and did not acknowledge within the
 * lease are taken over by another (XAUTOCLAIM). Published entries are acknowledged and deleted.
 */
import { Outbox } from "@flight/bus"
import { StoredMessage } from "@flight/contracts"
import { Clock, Duration, Effect, Schedule } from "effect"
import type { Redis } from "ioredis"
import type { BookingStoreError } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"
import type { Keys } from "./RedisKeys.ts"
import { renewOwn, type Taken, takeEntries } from "./RedisOutboxScripts.ts"
import * as RedisScript from "./RedisScript.ts"

/** How a write after a committed change is retried. */
export const markRetry = Schedule.exponential("20 millis").pipe(Schedule.intersect(Schedule.recurs(5)))

/**
 * The flights' dirty marks (`booking:outbox:dirty`, counted up with ZINCRBY), which tell the relay
 * which streams to read: `dirty` before a write, so a crash cannot hide it, and `written` after, so
 * the relay sees it (retried; a failure is logged, not the caller's, since the change is made) and
 * this process's relay is woken.
 */
export const marks = (client: Redis, keys: Keys, wakeup: ReturnType<typeof Outbox.makeWakeup>) => {
  const dirty = (flightId: string) => call("outbox mark", () => client.zincrby(keys.dirty, 1, flightId))
  const written = (flightId: string) =>
    dirty(flightId).pipe(
      Effect.retry(markRetry),
      Effect.catchAll((error) => Effect.logWarning(`outbox mark of flight ${flightId} after a write: ${error.message}`)),
      Effect.zipRight(wakeup.notify),
    )
  return { dirty, written } as const
}

/** The outbox on the store's connection; `written` is the store's wakeup (see `Outbox.makeWakeup`). */
export const make = (client: Redis, keys: Keys, written: Effect.Effect<void>): Outbox.OutboxStore => {
  const group = "relay"
  const withGroup = new Set<string>()
  /** Whether this relay's last claim took as many entries as it could: a backlog, read in few large reads. */
  let backlog = false
  /** Flights this relay drained (took everything there was to take), with their mark then. */
  const quiet = new Map<string, string>()
  let lastFullPass = 0
  /**
   * Flights whose take failed, left unread until a lease has passed: a take whose answer was lost
   * may have taken entries this relay never learnt of, and read at once the flight's newer entries
   * would go out before them; past the lease, XAUTOCLAIM takes them first.
   */
  const heldBack = new Map<string, number>()
  /** What this process took, by relay and message id (a derived id may stand twice in a stream). */
  const taken = new Map<string, Array<{ readonly flight: string; readonly streamId: string }>>()
  const takenKey = (owner: string, id: string) => `${owner}/${id}`
  const storeError = (error: BookingStoreError) => new Outbox.OutboxStoreError({ reason: error.message })

  const ensureGroup = (flight: string) =>
    withGroup.has(flight)
      ? Effect.void
      : call("outbox group", () => client.xgroup("CREATE", keys.outbox(flight), group, "0", "MKSTREAM")).pipe(
        Effect.catchAll((error) => (error.reason.includes("BUSYGROUP") ? Effect.void : Effect.fail(error))),
        Effect.tap(() => Effect.sync(() => withGroup.add(flight))),
      )

  const fieldsOf = (fields: ReadonlyArray<string>) => {
    const record: Record<string, string> = {}
    for (let index = 0; index + 1 < fields.length; index += 2) record[fields[index]!] = fields[index + 1]!
    return record
  }

  const byFlight = (owner: string, ids: ReadonlyArray<string>) => {
    const grouped = new Map<string, Array<string>>()
    for (const id of ids) {
      for (const entry of taken.get(takenKey(owner, id)) ?? []) {
        grouped.set(entry.flight, [...(grouped.get(entry.flight) ?? []), entry.streamId])
      }
      taken.delete(takenKey(owner, id))
    }
    return grouped
  }

  /** What one flight's take gave: its entries, in order, up to one a newer build wrote. */
  const entriesOf = (flight: string, score: string, owner: string, [found, drained, length, error]: Taken) =>
    Effect.gen(function* () {
      // A stream that lost its group (deleted, restored) gets it again; the next pass reads it.
      if (error.includes("NOGROUP")) {
        withGroup.delete(flight)
        return []
      }
      if (error !== "") return yield* Effect.fail(new Outbox.OutboxStoreError({ reason: `outbox take: ${error}` }))
      const stream = keys.outbox(flight)
      // Drained as its mark read `score`: what is written after moves the mark, so the flight needs no
      // read until then (or until this relay gives entries back). Otherwise (the room filled, or the
      // entries this relay holds filled XAUTOCLAIM's look) it is read again next pass.
      if (drained === 1) quiet.set(flight, score)
      else quiet.delete(flight)
      // Empty: the take dropped its mark, unless a write moved it since.
      if (length === 0) quiet.delete(flight)
      const entries: Array<Outbox.OutboxEntry> = []
      for (const [streamId, fields] of found) {
        const { body, id, traceparent } = fieldsOf(fields)
        const message = body === undefined ? null : StoredMessage.read(body)
        if (id !== undefined && message !== null && message._tag === "Right") {
          const key = takenKey(owner, id)
          taken.set(key, [...(taken.get(key) ?? []), { flight, streamId }])
          entries.push({ id, message: message.right, traceparent: traceparent === undefined || traceparent === "" ? null : traceparent })
          continue
        }
        const reason = message !== null && message._tag === "Left" ? message.left.reason : "malformed"
        if (reason === "unknown-type" || reason === "unknown-version") {
          // A newer build wrote it: left for a relay that can read it; the flight's later events wait behind it.
          yield* Effect.logError(`outbox entry ${streamId} of flight ${flight} is for a newer build (${reason}); it waits`)
          break
        }
        // No build can read it: moved aside with the reason, so it cannot hold the flight's events back.
        const detail = message !== null && message._tag === "Left" ? message.left.message : "no id or body"
        yield* Effect.logError(`outbox entry ${streamId} of flight ${flight} is unreadable and moved to ${keys.deadOutbox(flight)}: ${detail}`)
        yield* call("outbox dead", () =>
          client.multi()
            .xadd(keys.deadOutbox(flight), "*", "streamId", streamId, "reason", detail, ...fields)
            .xack(stream, group, streamId)
            .xdel(stream, streamId)
            .exec()).pipe(Effect.mapError(storeError))
      }
      return entries
    })

  /**
   * Takes a round's flights in one script, `share` entries at most each and `room` in all. A flight
   * whose group could not be made, or whose entries could not be read, is logged and skipped; the
   * script's own failure is the round's.
   */
  const takeRound = (
    round: ReadonlyArray<{ readonly flight: string; readonly score: string }>,
    { lease, owner, room, share }: { readonly owner: string; readonly lease: Duration.Duration; readonly share: number; readonly room: number },
  ) =>
    Effect.gen(function* () {
      const ungrouped = round.filter(({ flight }) => !withGroup.has(flight))
      const failed = new Set<string>()
      yield* Effect.forEach(ungrouped, ({ flight }) =>
        ensureGroup(flight).pipe(Effect.catchAll((error) =>
          Effect.zipRight(Effect.sync(() => failed.add(flight)), Effect.logWarning(`outbox of flight ${flight}: ${error.message}`))
        )), { concurrency: "unbounded", discard: true })
      const grouped = failed.size === 0 ? round : round.filter(({ flight }) => !failed.has(flight))
      if (grouped.length === 0) return []
      const answers = yield* RedisScript.run(client, takeEntries, {
        keys: { dirty: keys.dirty, streams: grouped.map(({ flight }) => keys.outbox(flight)) },
        args: { group, consumer: owner, leaseMillis: Duration.toMillis(lease), share, room, marks: grouped.flatMap(({ flight, score }) => [flight, score]) },
      }).pipe(Effect.mapError(storeError))
      return yield* Effect.forEach(grouped, ({ flight, score }, index) =>
        entriesOf(flight, score, owner, answers[index]!).pipe(
          Effect.map((entries) => ({ flight, score, entries })),
          Effect.catchAll((error) =>
            Effect.logWarning(`outbox of flight ${flight}: ${error.message}`).pipe(Effect.as({ flight, score, entries: [] }))
          ),
        ))
    })

  return {
    written,
    claim: ({ lease, limit, owner }) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        // A flight whose mark has not moved since this relay drained it is skipped,
        // but for a full pass now and then, which takes over what a dead relay left: every third of
        // a lease, so a takeover waits for the lease and little more.
        const full = now - lastFullPass >= Math.min(fullPassMillis, Duration.toMillis(lease) / 3)
        if (full) lastFullPass = now
        const marks = yield* call("outbox dirty", () => client.zrange(keys.dirty, 0, -1, "WITHSCORES")).pipe(Effect.mapError(storeError))
        let candidates: Array<{ readonly flight: string; readonly score: string }> = []
        for (let index = 0; index + 1 < marks.length; index += 2) {
          const flight = marks[index]!
          const score = marks[index + 1]!
          const until = heldBack.get(flight)
          if (until !== undefined) {
            if (now < until) continue
            heldBack.delete(flight)
          }
          if (full || quiet.get(flight) !== score) candidates.push({ flight, score })
        }
        // The flights are read in one script, a round at a time, each given an even share of the room
        // left; a flight that filled its share may hold more, and shares what is left in the next round.
        // In a backlog (the last claim was full) each flight in turn is given all the room left, until
        // it is full: as few flights' reads as a batch can take. A flight's entries stay in order.
        const entries: Array<Outbox.OutboxEntry> = []
        while (candidates.length > 0 && entries.length < limit) {
          const room = limit - entries.length
          const round = candidates.slice(0, room)
          const share = backlog ? room : Math.max(1, Math.floor(room / round.length))
          const more: typeof candidates = []
          const took = yield* Effect.either(takeRound(round, { owner, lease, share, room }))
          if (took._tag === "Left") {
            // What earlier rounds took goes out (and is completed or given back) with this pass.
            for (const { flight } of round) heldBack.set(flight, now + Duration.toMillis(lease))
            if (entries.length === 0) return yield* Effect.fail(took.left)
            yield* Effect.logWarning(`${took.left.message}; the pass publishes what it took before`)
            break
          }
          for (const read of took.right) {
            entries.push(...read.entries)
            if (read.entries.length === share) more.push(read)
          }
          candidates = [...more, ...candidates.slice(round.length)]
        }
        backlog = entries.length >= limit
        return entries
      }),
    // The lease on Redis is the idle time XAUTOCLAIM measures against the claimer's lease: renewing
    // resets it, so `lease` itself is not needed here.
    renew: (owner, ids) =>
      Effect.gen(function* () {
        const streamIdsOf = new Map<string, Array<string>>()
        for (const id of ids) {
          for (const entry of taken.get(takenKey(owner, id)) ?? []) {
            streamIdsOf.set(entry.flight, [...(streamIdsOf.get(entry.flight) ?? []), entry.streamId])
          }
        }
        const renewed = new Set<string>()
        yield* Effect.forEach(streamIdsOf, ([flight, streamIds]) =>
          Effect.map(
            RedisScript.run(client, renewOwn, { keys: { stream: keys.outbox(flight) }, args: { group, consumer: owner, ids: streamIds } }),
            (mine) => mine.forEach((streamId) => renewed.add(`${flight}/${streamId}`)),
          ), { concurrency: "unbounded", discard: true })
        // A message id stands for every copy of it this relay took (a derived id may stand twice).
        return ids.filter((id) => {
          const copies = taken.get(takenKey(owner, id)) ?? []
          return copies.length > 0 && copies.every((copy) => renewed.has(`${copy.flight}/${copy.streamId}`))
        })
      }).pipe(Effect.mapError(storeError)),
    complete: (owner, ids) =>
      Effect.suspend((): Effect.Effect<void, BookingStoreError> => {
        const flights = byFlight(owner, ids)
        if (flights.size === 0) return Effect.void
        // One transaction: an entry is never acknowledged without being deleted.
        return call("outbox complete", () => {
          const transaction = client.multi()
          for (const [flight, streamIds] of flights) {
            transaction.xack(keys.outbox(flight), group, ...streamIds).xdel(keys.outbox(flight), ...streamIds)
          }
          return transaction.exec()
        }).pipe(Effect.asVoid)
      }).pipe(Effect.mapError(storeError)),
    release: (owner, ids) =>
      Effect.forEach(byFlight(owner, ids), ([flight, streamIds]) =>
        // Marked idle for long, so the next claim (of any relay) takes them over at once; this
        // relay's too, which reads the flight again though its mark has not moved.
        call("outbox release", () =>
          client.xclaim(keys.outbox(flight), group, owner, 0, ...streamIds, "IDLE", 365 * 24 * 3_600_000)).pipe(
            Effect.ensuring(Effect.sync(() => quiet.delete(flight))),
          ), {
        concurrency: "unbounded",
        discard: true,
      }).pipe(Effect.mapError(storeError)),
    stats: Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const flights = yield* call("outbox dirty", () => client.zrange(keys.dirty, 0, 999))
      let pending = 0
      let oldest: number | null = null
      for (const flight of flights) {
        pending += yield* call("outbox length", () => client.xlen(keys.outbox(flight)))
        const first = (yield* call("outbox oldest", () => client.xrange(keys.outbox(flight), "-", "+", "COUNT", 1)))[0]
        const at = first === undefined ? Number.NaN : Number(first[0].split("-")[0])
        if (Number.isFinite(at) && (oldest === null || at < oldest)) oldest = at
      }
      return { pending, oldestAgeMillis: oldest === null ? null : now - oldest }
    }).pipe(Effect.mapError(storeError)),
  }
}

const fullPassMillis = 5_000
