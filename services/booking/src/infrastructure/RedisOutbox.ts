/**
 * The outbox over the flights' streams (decision 10): a consumer group `relay` per stream, so each
 * entry is given to one relay at a time; entries a relay took and did not acknowledge within the
 * lease are taken over by another (XAUTOCLAIM). Published entries are acknowledged and deleted.
 */
import { Outbox } from "@flight/bus"
import { Catalogue } from "@flight/contracts"
import { Clock, Duration, Effect, Schedule, Schema } from "effect"
import type { Redis } from "ioredis"
import type { BookingStoreError } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"
import type { Keys } from "./RedisKeys.ts"
import * as RedisScript from "./RedisScript.ts"

/** Removes a member of a sorted set only if its score is still the one read (a flight's dirty mark). */
const removeIfUnchanged = RedisScript.make({
  name: "removeIfUnchanged",
  lua: `
local score = redis.call("ZSCORE", KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call("ZREM", KEYS[1], ARGV[1]) end
return 0
`,
  keys: ["set"],
  args: ["member", "score"],
  reply: Schema.Number,
})

/**
 * Takes a flight's entries for a relay in one step: those left past the lease (a dead relay's, or
 * given back; XAUTOCLAIM, by idle time), then new ones (XREADGROUP), at most `room` in all. New ones
 * only once XAUTOCLAIM looked through every entry taken and not acknowledged (its cursor back at
 * 0-0; it looks at ten times its count at most): an older entry given back is never passed by a new
 * one. Answers them and, when it looked through everything and found none, the stream's length (-1
 * otherwise: more may be there), so an empty stream's mark can go.
 */
const takeEntries = RedisScript.make({
  name: "outbox take",
  lua: `
local reclaimed = redis.call("XAUTOCLAIM", KEYS[1], ARGV[1], ARGV[2], ARGV[3], "0-0", "COUNT", ARGV[4])
local entries = reclaimed[2]
local looked = reclaimed[1] == "0-0"
local room = tonumber(ARGV[4]) - #entries
if room > 0 and looked then
  local fresh = redis.call("XREADGROUP", "GROUP", ARGV[1], ARGV[2], "COUNT", room, "STREAMS", KEYS[1], ">")
  if fresh then for _, entry in ipairs(fresh[1][2]) do entries[#entries + 1] = entry end end
end
if #entries == 0 and looked then return { entries, redis.call("XLEN", KEYS[1]) } end
return { entries, -1 }
`,
  keys: ["stream"],
  args: ["group", "consumer", "leaseMillis", "room"],
  reply: Schema.Tuple(Schema.Array(Schema.Tuple(Schema.String, Schema.Array(Schema.String))), Schema.Number),
})

/**
 * Renews an outbox lease: the entries still pending to the consumer (the relay) are claimed again by
 * it, which resets their idle time (the lease XAUTOCLAIM measures); an entry another relay took is
 * left to it. Answers the ids renewed.
 */
const renewOwn = RedisScript.make({
  name: "renewOwn",
  lua: `
local mine = {}
for index = 3, #ARGV do
  local pending = redis.call("XPENDING", KEYS[1], ARGV[1], ARGV[index], ARGV[index], 1)
  if pending[1] and pending[1][2] == ARGV[2] then mine[#mine + 1] = ARGV[index] end
end
if #mine == 0 then return mine end
local claim = { KEYS[1], ARGV[1], ARGV[2], 0 }
for _, id in ipairs(mine) do claim[#claim + 1] = id end
claim[#claim + 1] = "JUSTID"
redis.call("XCLAIM", unpack(claim))
return mine
`,
  keys: ["stream"],
  args: ["group", "consumer"],
  moreArgs: "ids",
  reply: Schema.Array(Schema.String),
})

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
  /** Flights this relay found nothing new in, with their mark then. */
  const quiet = new Map<string, string>()
  let lastFullPass = 0
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

  /** Reads one flight's stream: entries a dead relay left (past the lease), then new ones. */
  const readFlight = (flight: string, score: string, owner: string, lease: Duration.Duration, room: number) =>
    Effect.gen(function* () {
      const stream = keys.outbox(flight)
      yield* ensureGroup(flight)
      const [found, length] = yield* RedisScript.run(client, takeEntries, {
        keys: { stream },
        args: { group, consumer: owner, leaseMillis: Duration.toMillis(lease), room },
      })
      if (found.length === 0) {
        // Not looked through (the entries this relay holds filled XAUTOCLAIM's look): read again next pass.
        if (length < 0) return []
        quiet.set(flight, score)
        if (length === 0) {
          yield* RedisScript.run(client, removeIfUnchanged, { keys: { set: keys.dirty }, args: { member: flight, score } })
          quiet.delete(flight)
        }
        return []
      }
      quiet.delete(flight)
      const entries: Array<Outbox.OutboxEntry> = []
      for (const [streamId, fields] of found) {
        const { body, id, traceparent } = fieldsOf(fields)
        const message = body === undefined ? null : Catalogue.decodeJson(body)
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
            .exec())
      }
      return entries
    }).pipe(
      // A stream that lost its group (deleted, restored) gets it again; the next pass reads it.
      Effect.catchAll((error) =>
        error.reason.includes("NOGROUP")
          ? Effect.sync(() => withGroup.delete(flight)).pipe(Effect.as([] as Array<Outbox.OutboxEntry>))
          : Effect.fail(error)
      ),
    )

  return {
    written,
    claim: ({ lease, limit, owner }) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        // A flight whose mark has not moved since this relay found nothing new in it is skipped,
        // but for a full pass now and then, which takes over what a dead relay left: every third of
        // a lease, so a takeover waits for the lease and little more.
        const full = now - lastFullPass >= Math.min(fullPassMillis, Duration.toMillis(lease) / 3)
        if (full) lastFullPass = now
        const marks = yield* call("outbox dirty", () => client.zrange(keys.dirty, 0, -1, "WITHSCORES"))
        let candidates: Array<{ readonly flight: string; readonly score: string }> = []
        for (let index = 0; index + 1 < marks.length; index += 2) {
          const flight = marks[index]!
          const score = marks[index + 1]!
          if (full || quiet.get(flight) !== score) candidates.push({ flight, score })
        }
        // The flights are read at once, a round at a time, each given an even share of the room left;
        // a flight that filled its share may hold more, and shares what is left in the next round.
        // In a backlog (the last claim was full) one flight is read at a time, with the whole room:
        // as few reads as a batch can take. A flight's entries stay in order.
        const entries: Array<Outbox.OutboxEntry> = []
        const minimumShare = backlog ? limit : 1
        while (candidates.length > 0 && entries.length < limit) {
          const room = limit - entries.length
          const round = candidates.slice(0, Math.max(1, Math.floor(room / minimumShare)))
          const share = Math.floor(room / round.length)
          const reads = yield* Effect.forEach(round, ({ flight, score }) => Effect.either(readFlight(flight, score, owner, lease, share)), {
            concurrency: "unbounded",
          })
          const more: typeof candidates = []
          for (const [index, read] of reads.entries()) {
            // One flight's trouble is logged and skipped, never the relay's stop.
            if (read._tag === "Left") {
              yield* Effect.logWarning(`outbox of flight ${round[index]!.flight}: ${read.left.message}`)
              continue
            }
            entries.push(...read.right)
            if (read.right.length === share) more.push(round[index]!)
          }
          candidates = [...more, ...candidates.slice(round.length)]
        }
        backlog = entries.length >= limit
        return entries
      }).pipe(Effect.mapError(storeError)),
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
      Effect.forEach(byFlight(owner, ids), ([flight, streamIds]) =>
        // One transaction (one slot): an entry is never acknowledged without being deleted.
        call("outbox complete", () =>
          client.multi().xack(keys.outbox(flight), group, ...streamIds).xdel(keys.outbox(flight), ...streamIds).exec()), {
        concurrency: "unbounded",
        discard: true,
      }).pipe(Effect.mapError(storeError)),
    release: (owner, ids) =>
      Effect.forEach(byFlight(owner, ids), ([flight, streamIds]) =>
        // Marked idle for long, so the next claim (of any relay) takes them over at once.
        call("outbox release", () =>
          client.xclaim(keys.outbox(flight), group, owner, 0, ...streamIds, "IDLE", 365 * 24 * 3_600_000)), {
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
