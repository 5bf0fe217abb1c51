/**
 * The outbox inside the flight documents. A change appends its events to its document's `outbox`
 * array in the same update as the change (`withEvents`), and marks the document pending. A relay
 * leases whole documents (their entries stay in order), reads their entries, and after publishing
 * pulls exactly those entries out; a document whose array is then empty is no longer pending.
 * Entries the relay read are kept until it completes or releases them, since the pull names them by
 * value. Every write goes through the process's lock of the document, like every other write of it
 * (FerretDB, see FlightWriteLock.ts).
 */
import { Outbox } from "@flight/bus"
import { Catalogue, CompiledParser, type Publishable, StoredMessage } from "@flight/contracts"
import { Clock, DateTime, Duration, Effect, Either, Option, ParseResult, Predicate, Schema } from "effect"
import type { Collection, Filter } from "mongodb"
import type { FlightStoreError, Outgoing } from "../domain/FlightRepository.ts"
import type { FlightWriteLock } from "./FlightWriteLock.ts"
import * as MongoStore from "./MongoStore.ts"

/**
 * A message of the catalogue, encoded with the message's own Schema as it is written (`Catalogue`),
 * read back as it was stored (`StoredMessage`). Not checked again against the union of every
 * message: that would double what storing one costs.
 */
const Message = Schema.declare((input: unknown): input is Publishable => Predicate.hasProperty(input, "type"), {
  identifier: "Publishable",
})

/** A message as it travels (JSON) and the message it is: the relay publishes exactly what was stored. */
const MessageFromJson = Schema.transformOrFail(Schema.String, Message, {
  strict: true,
  decode: (json, _, ast) =>
    Either.match(StoredMessage.read(json), {
      onLeft: (error) => ParseResult.fail(new ParseResult.Type(ast, json, error.message)),
      onRight: ParseResult.succeed,
    }),
  encode: (message) => ParseResult.succeed(StoredMessage.isStored(message) ? message.json : Catalogue.encodeJson(message)),
})

/** An event in a document's outbox, with the trace it continues and when it was written. */
export const OutboxEvent = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  message: Schema.propertySignature(MessageFromJson).pipe(Schema.fromKey("body")),
  traceparent: Schema.NullOr(Schema.String),
  createdAt: Schema.DateTimeUtcFromDate,
})
export type StoredEvent = typeof OutboxEvent.Encoded

/** The outbox's fields of a flight document. */
export const OutboxFields = Schema.Struct({
  outbox: Schema.Array(OutboxEvent),
  /** Whether `outbox` holds entries: what the relay looks for (indexed). */
  outboxPending: Schema.Boolean,
  /** The relay that holds the document's entries, and until when (epoch milliseconds). */
  outboxLease: Schema.NullOr(Schema.Struct({ owner: Schema.String, until: Schema.Number })),
})
export type OutboxFields = typeof OutboxFields.Encoded

/** What the outbox sees of a flight document. */
export interface OutboxDocument extends OutboxFields {
  readonly _id: string
}

// Written with every change that has events, read by every relay pass: compiled (Effect's answers).
const encodeEvents = CompiledParser.encoder(Schema.Array(OutboxEvent))
const decodeEvent = CompiledParser.decoder(OutboxEvent)
const createdAtOf = Schema.decodeUnknownOption(OutboxEvent.pick("createdAt"))

/** A change's events as its document stores them, written now. */
export const entriesOf = (events: ReadonlyArray<Outgoing>) =>
  Effect.flatMap(DateTime.now, (createdAt) =>
    encodeEvents(events.map(({ message, traceparent }) => ({ id: message.id, type: message.type, message, traceparent, createdAt })))
      // Messages are built from their Schemas: encoding them cannot fail.
      .pipe(Effect.orDie))

/** A new document's outbox: its first events, pending when there are any. */
export const initial = (entries: ReadonlyArray<StoredEvent>): OutboxFields => ({
  outbox: entries,
  outboxPending: entries.length > 0,
  outboxLease: null,
})

/** An update that sets `fields` and appends a change's events to the document's outbox. */
export const withEvents = (fields: Record<string, unknown>, entries: ReadonlyArray<StoredEvent>) =>
  entries.length === 0
    ? { $set: fields }
    : { $set: { ...fields, outboxPending: true }, $push: { outbox: { $each: [...entries] } } }

/** How long a relay leaves alone a document whose next entry it cannot read. */
const unreadableBackoffMillis = 60_000

/** The outbox store over the flight documents, for the relay. */
export const make = (
  flights: Collection<OutboxDocument>,
  lock: FlightWriteLock,
  written: Effect.Effect<void>,
): Outbox.OutboxStore => {
  const call = MongoStore.call(flights.collectionName)
  const claimed = new Map<string, { readonly flightId: string; readonly entry: StoredEvent }>()
  /** Documents whose next entry this build cannot read, and until when the relay leaves them alone. */
  const unreadable = new Map<string, number>()
  const storeError = (error: FlightStoreError) => new Outbox.OutboxStoreError({ reason: error.message })
  const available = (owner: string, now: number): Filter<OutboxDocument> => ({
    outboxPending: true,
    $or: [{ outboxLease: null }, { "outboxLease.until": { $lte: now } }, { "outboxLease.owner": owner }],
  })
  const unlease = (owner: string, flightId: string) =>
    call("outbox release", () => flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $set: { outboxLease: null } }))
  const release = (owner: string, flightId: string) => lock.alone(flightId)(unlease(owner, flightId))
  /** Not pending once empty (a concurrent push keeps it pending), and no longer leased. */
  const settle = (owner: string, flightId: string) =>
    lock.alone(flightId)(Effect.zipRight(
      call("outbox settle", () =>
        flights.updateOne({ _id: flightId, "outbox.0": { $exists: false } }, { $set: { outboxPending: false, outboxLease: null } })),
      unlease(owner, flightId),
    ))
  const claimKey = (owner: string, id: string) => `${owner}/${id}`
  /** The entries `owner` claimed among `ids`, by flight, now no longer claimed. */
  const byFlight = (owner: string, ids: ReadonlyArray<string>) => {
    const grouped = new Map<string, Array<StoredEvent>>()
    for (const id of ids) {
      const claim = claimed.get(claimKey(owner, id))
      if (claim === undefined) continue
      claimed.delete(claimKey(owner, id))
      grouped.set(claim.flightId, [...(grouped.get(claim.flightId) ?? []), claim.entry])
    }
    return grouped
  }

  /** Leases a document and takes its entries in order, up to the first this build cannot read. */
  const claimDocument = (owner: string, _id: string, lease: Duration.Duration, now: number) =>
    Effect.gen(function* () {
      const leased = yield* lock.alone(_id)(call("outbox lease", () =>
        flights.updateOne({ _id, ...available(owner, now) }, { $set: { outboxLease: { owner, until: now + Duration.toMillis(lease) } } })))
      if (leased.matchedCount === 0) return []
      const document = yield* call("outbox read", () => flights.findOne({ _id }, { projection: { outbox: 1 } }))
      const pending = document?.outbox ?? []
      if (pending.length === 0) {
        yield* settle(owner, _id)
        return []
      }
      // An entry this build cannot read (say, a newer version written by a newer instance) and
      // those after it stay pending. A document that starts with one is given back and left alone
      // for a while, for a relay that can read it.
      const entries: Array<Outbox.OutboxEntry> = []
      for (const raw of pending) {
        const event = decodeEvent(raw)
        if (Either.isLeft(event)) {
          yield* Effect.logError(
            `outbox entry ${String(raw?.id)} of flight ${_id} cannot be read by this build; it and the entries after it stay pending`,
            event.left.message,
          )
          break
        }
        claimed.set(claimKey(owner, raw.id), { flightId: _id, entry: raw })
        entries.push({ id: event.right.id, message: event.right.message, traceparent: event.right.traceparent })
      }
      if (entries.length === 0) {
        unreadable.set(_id, now + unreadableBackoffMillis)
        yield* release(owner, _id)
      }
      return entries
    })

  return {
    written,
    claim: ({ limit, lease, owner }) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        for (const [id, until] of unreadable) if (until <= now) unreadable.delete(id)
        const candidates = yield* call("outbox candidates", () =>
          flights.find({ ...available(owner, now), _id: { $nin: [...unreadable.keys()] } }, { projection: { _id: 1 } })
            .limit(limit)
            .toArray())
        const entries: Array<Outbox.OutboxEntry> = []
        for (const { _id } of candidates) {
          if (entries.length >= limit) break
          entries.push(...yield* claimDocument(owner, _id, lease, now))
        }
        return entries
      }).pipe(Effect.mapError(storeError)),
    renew: (owner, ids, lease) =>
      Effect.gen(function* () {
        const flightsOf = new Map<string, Array<string>>()
        for (const id of ids) {
          const claim = claimed.get(claimKey(owner, id))
          if (claim !== undefined) flightsOf.set(claim.flightId, [...(flightsOf.get(claim.flightId) ?? []), id])
        }
        const still: Array<string> = []
        for (const [flightId, held] of flightsOf) {
          const now = yield* Clock.currentTimeMillis
          const renewed = yield* lock.alone(flightId)(call("outbox renew", () =>
            flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $set: { "outboxLease.until": now + Duration.toMillis(lease) } })))
          if (renewed.matchedCount > 0) still.push(...held)
        }
        return still
      }).pipe(Effect.mapError(storeError)),
    complete: (owner, ids) =>
      Effect.forEach(byFlight(owner, ids), ([flightId, entries]) =>
        lock.alone(flightId)(Effect.gen(function* () {
          // One rewrite of the document either way (FerretDB rewrites all of it, ledger and all).
          // The entries published were the whole outbox (nothing written since the claim, which
          // only appends): out, the lease ended and the document no longer pending.
          const whole = yield* call("outbox complete", () =>
            flights.updateOne(
              { _id: flightId, "outboxLease.owner": owner, outbox: { $size: entries.length } },
              { $pullAll: { outbox: entries }, $set: { outboxPending: false, outboxLease: null } },
            ))
          if (whole.matchedCount > 0) return
          // Entries were written since: out, the lease ended, the document still pending for them.
          // (Were the outbox ever emptied otherwise, the next claim finds it empty and settles it.)
          yield* call("outbox complete", () =>
            flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $pullAll: { outbox: entries }, $set: { outboxLease: null } }))
        })), { discard: true }).pipe(Effect.mapError(storeError)),
    release: (owner, ids) =>
      Effect.forEach(byFlight(owner, ids), ([flightId]) => release(owner, flightId), { discard: true })
        .pipe(Effect.mapError(storeError)),
    stats: Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const documents = yield* call("outbox stats", () =>
        flights.find({ outboxPending: true }, { projection: { outbox: 1 } }).toArray())
      let pending = 0
      let oldest: number | null = null
      for (const document of documents) {
        for (const entry of document.outbox ?? []) {
          pending += 1
          const at = Option.map(createdAtOf(entry), ({ createdAt }) => DateTime.toEpochMillis(createdAt))
          if (Option.isSome(at) && (oldest === null || at.value < oldest)) oldest = at.value
        }
      }
      return { pending, oldestAgeMillis: oldest === null ? null : now - oldest }
    }).pipe(Effect.mapError(storeError)),
  }
}
