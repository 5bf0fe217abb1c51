/**
 * Fills in the booking indexes for bookings stored before they were kept: the flight's bookings
 * (`booking:{<flight>}:bookings`, the staff's listing) and the owner's (`booking:owner:{…}`, "my
 * trips"; bookings recorded their owner before that index was kept). It runs once per store and
 * version, in the background at the service's start:
 *
 * - SCAN (never KEYS) for booking documents (`booking:{<flight>}:booking:<id>`), a batch per reply;
 * - the batch's documents read in one pipeline, and each added to its flight's index and its
 *   owner's, scored by its creation time, in another. `ZADD NX`: an entry the hold script already
 *   wrote is left as it is, so a running system is not disturbed and a second run adds nothing;
 * - then `booking:indexes` set to `version`, so later starts skip the scan. Instances that start
 *   together may both scan: the same NX writes twice, no harm.
 *
 * A document that does not decode is logged and skipped. A Redis failure is retried, then logged;
 * the marker is not written, so the next start scans again. A change to the indexes that older
 * bookings need again (a new index) raises `version`.
 *
 * The store talks to one Redis. On a Cluster, SCAN would run on each primary, and the pipelines
 * (which cross slots: each flight and each owner has its own) would be split by slot or sent as
 * single commands.
 */
import { Spans } from "@flight/runtime"
import { DateTime, Effect, Either, Layer, Schedule, Schema } from "effect"
import type { Redis } from "ioredis"
import { Booking } from "../domain/Booking.ts"
import { BookingStoreError } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"
import { keysFor } from "./RedisKeys.ts"
import { RedisClient } from "./RedisStore.ts"

/** The rebuild's version; a store whose marker holds it (or more) is not scanned. */
export const version = 1

export interface Options {
  /** The keys' prefix: "booking" unless given. */
  readonly prefix?: string
  /** Keys asked of each SCAN call (its COUNT), and so the size of a batch; 500 unless given. */
  readonly batch?: number
}

/** What a run did. */
export interface Outcome {
  /** The marker said the store was already rebuilt: nothing scanned. */
  readonly skipped: boolean
  readonly documents: number
  readonly flightEntries: number
  readonly ownerEntries: number
  readonly unreadable: number
}

/** A failed run is retried a few times before it is left to the next start. */
export const retry = Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))

const decodeBooking = Schema.decodeUnknownEither(Schema.parseJson(Booking))

/** The prefix as a SCAN pattern's literal text. */
const literal = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&")

/** One run over the store: the indexes filled in, the marker written. */
export const run = (client: Redis, options: Options = {}) =>
  Effect.gen(function* () {
    const prefix = options.prefix ?? "booking"
    const keys = keysFor(prefix)
    const marker = yield* call("index rebuild marker", () => client.get(keys.indexes))
    if (marker !== null && Number(marker) >= version) {
      return { skipped: true, documents: 0, flightEntries: 0, ownerEntries: 0, unreadable: 0 } satisfies Outcome
    }
    // `<prefix>:{<flight>}:booking:<id>`; no other key of a flight has `}:booking:` in its name.
    const pattern = `${literal(prefix)}:{*}:booking:*`
    const head = `${prefix}:{`
    const tail = "}:booking:"
    let cursor = "0"
    let documents = 0
    let flightEntries = 0
    let ownerEntries = 0
    let unreadable = 0
    do {
      const [next, found] = yield* call("index rebuild scan", () => client.scan(cursor, "MATCH", pattern, "COUNT", options.batch ?? 500))
      cursor = next
      if (found.length === 0) continue
      const read = yield* call("index rebuild read", () => {
        const pipeline = client.pipeline()
        for (const key of found) pipeline.get(key)
        return pipeline.exec()
      })
      const writes = client.pipeline()
      const kinds: Array<"flight" | "owner"> = []
      for (const [index, key] of found.entries()) {
        const at = key.indexOf(tail, head.length)
        if (!key.startsWith(head) || at < 0) continue
        const flight = key.slice(head.length, at)
        const id = key.slice(at + tail.length)
        const [error, json] = read?.[index] ?? [null, null]
        // Deleted since the SCAN saw it: nothing to index.
        if (error === null && json === null) continue
        const booking = error === null ? decodeBooking(json) : Either.left(error)
        if (Either.isLeft(booking)) {
          unreadable++
          yield* Effect.logWarning(`index rebuild skips ${key}: ${booking.left.message}`)
          continue
        }
        documents++
        const createdAt = DateTime.toEpochMillis(booking.right.createdAt)
        writes.zadd(keys.bookings(flight), "NX", createdAt, id)
        kinds.push("flight")
        if (booking.right.owner !== null) {
          writes.zadd(keys.owner(booking.right.owner), "NX", createdAt, `${flight}/${id}`)
          kinds.push("owner")
        }
      }
      if (kinds.length === 0) continue
      const written = yield* call("index rebuild write", () => writes.exec())
      for (const [index, kind] of kinds.entries()) {
        const [error, added] = written?.[index] ?? [new Error("no reply"), 0]
        if (error !== null) return yield* Effect.fail(new BookingStoreError({ operation: "index rebuild write", reason: error.message }))
        if (kind === "flight") flightEntries += Number(added)
        else ownerEntries += Number(added)
      }
    } while (cursor !== "0")
    yield* call("index rebuild marker", () => client.set(keys.indexes, String(version)))
    return { skipped: false, documents, flightEntries, ownerEntries, unreadable } satisfies Outcome
  }).pipe(Spans.within("RedisIndexRebuild.run", { attributes: { "booking.index_rebuild.version": version } }))

/** The run with its retries and its log line; a failure is logged, never the caller's. */
export const logged = (client: Redis, options: Options = {}) =>
  run(client, options).pipe(
    Effect.retry(retry),
    Effect.flatMap((outcome) =>
      outcome.skipped
        ? Effect.logDebug(`booking index rebuild: version ${version} already done`)
        : Effect.logInfo(
          `booking index rebuild (version ${version}): ${outcome.documents} bookings read, ${outcome.flightEntries} flight index ` +
            `and ${outcome.ownerEntries} owner index entries added, ${outcome.unreadable} unreadable skipped`,
        )
    ),
    Effect.catchAll((error) => Effect.logError(`booking index rebuild failed, it runs again at the next start: ${error.message}`)),
  )

/**
 * The rebuild at the service's start, on the service's Redis connection, in a fiber of the layer's
 * scope: a large store is scanned without holding the start (the NX writes may run beside traffic),
 * and a shutdown interrupts it before the connection closes.
 */
export const layerWith = (options: Options = {}): Layer.Layer<never, never, RedisClient> =>
  Layer.scopedDiscard(Effect.flatMap(RedisClient, (client) => Effect.forkScoped(logged(client, options))))

export const layer = layerWith()
