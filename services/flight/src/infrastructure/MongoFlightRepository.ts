/**
 * The flight catalogue on MongoDB, one document per flight. A change is one `updateOne` of that
 * document guarded by its version: the flight's fields, the bookings' ledger entries and the events
 * (pushed onto the document's own outbox array) change together or not at all, with no
 * multi-document transaction. The outbox relay leases a document's entries, publishes them, and
 * pulls them out of the array.
 *
 * Writes to one flight document are also serialised within the process, for FerretDB (see
 * FlightWriteLock.ts and docs/decisions/0009).
 *
 * Indexes, created at start: route + departure day + departure + id (search, in result order),
 * departure day + departure + id (departures, see MongoDepartures.ts), flight number + scheduled
 * day (unique), Idempotency-Key (unique, sparse), pending outbox.
 */
import { Outbox } from "@flight/bus"
import { type AnyMessage, type BookingId, Catalogue } from "@flight/contracts"
import { Clock, Context, DateTime, Duration, Effect, Layer, Option, Schema } from "effect"
import type { Collection, Db, Filter } from "mongodb"
import { LedgerEntry } from "../domain/Availability.ts"
import * as Flight from "../domain/Flight.ts"
import {
  FlightAlreadyScheduled,
  type FlightPage,
  FlightRepository,
  FlightStoreError,
  IdempotencyKeyTaken,
  type Outgoing,
  type RecordedCreation,
  VersionConflict,
} from "../domain/FlightRepository.ts"
import * as FlightWriteLock from "./FlightWriteLock.ts"
import * as MongoDepartures from "./MongoDepartures.ts"
import { MongoDatabase } from "./MongoStore.ts"

export const collectionName = "flights"

interface OutboxDocument {
  readonly id: string
  readonly type: string
  /** The message as it travels (JSON), so the relay publishes exactly what was stored. */
  readonly body: string
  readonly traceparent: string | null
  readonly createdAt: Date
}

interface FlightDocument {
  _id: string
  flightNumber: string
  origin: string
  destination: string
  scheduledDepartureAt: Date
  departureAt: Date
  arrivalAt: Date
  /** The UTC day of the scheduled departure: with the number, the flight's name. */
  flightDate: string
  /** The UTC day of the expected departure: what search looks for. */
  departureDay: string
  aircraft: string
  cabins: ReadonlyArray<Flight.Flight["cabins"][number]>
  status: string
  statusReason: string | null
  /** By cabin, so search can ask for `availability.<cabin>.available`. */
  availability: Record<string, { capacity: number; available: number }>
  createdAt: Date
  updatedAt: Date
  version: number
  bookings: Record<string, LedgerEntry>
  idempotencyKey?: string
  /** The request fingerprint and the flight as created, for an Idempotency-Key replay. */
  creation?: { fingerprint: string; flight: string }
  outbox: Array<OutboxDocument>
  outboxPending: boolean
  outboxLease: { owner: string; until: number } | null
}

/** The fields of a flight, without the ledger, the creation record and the outbox. */
const flightFields = [
  "flightNumber",
  "origin",
  "destination",
  "scheduledDepartureAt",
  "departureAt",
  "arrivalAt",
  "aircraft",
  "cabins",
  "status",
  "statusReason",
  "availability",
  "createdAt",
  "updatedAt",
  "version",
] as const

const flightProjection = Object.fromEntries(flightFields.map((field) => [field, 1]))

const toDate = (at: DateTime.Utc) => new Date(DateTime.toEpochMillis(at))

/** The fields a change may touch. */
const mutableFields = (flight: Flight.Flight) => ({
  departureAt: toDate(flight.departureAt),
  arrivalAt: toDate(flight.arrivalAt),
  departureDay: Flight.dayOf(flight.departureAt),
  status: flight.status,
  statusReason: flight.statusReason,
  availability: Object.fromEntries(
    flight.availability.map((entry) => [entry.cabin, { capacity: entry.capacity, available: entry.available }]),
  ),
  updatedAt: toDate(flight.updatedAt),
  version: flight.version,
})

const outboxDocuments = (events: ReadonlyArray<Outgoing>, now: number): Array<OutboxDocument> =>
  events.map((event) => ({
    id: event.message.id,
    type: event.message.type,
    body: Catalogue.encodeJson(event.message),
    traceparent: event.traceparent,
    createdAt: new Date(now),
  }))

const decodeFlight = Schema.decodeUnknown(Flight.Flight)
const decodeLedgerEntry = Schema.decodeUnknown(LedgerEntry)
const encodeFlightJson = Schema.encodeSync(Schema.parseJson(Flight.Flight))
const decodeFlightJson = Schema.decodeUnknown(Schema.parseJson(Flight.Flight))

const invalidDocument = (id: string) => (error: { readonly message: string }) =>
  new FlightStoreError({ operation: "read", reason: `stored flight ${id} is invalid: ${error.message}`, transient: false })

const isoOf = (value: unknown): string | undefined =>
  value instanceof Date && Number.isFinite(value.getTime()) ? value.toISOString() : undefined

const fromDocument = (document: Pick<FlightDocument, "_id" | (typeof flightFields)[number]>) =>
  decodeFlight({
    id: document._id,
    flightNumber: document.flightNumber,
    origin: document.origin,
    destination: document.destination,
    scheduledDepartureAt: isoOf(document.scheduledDepartureAt),
    departureAt: isoOf(document.departureAt),
    arrivalAt: isoOf(document.arrivalAt),
    aircraft: document.aircraft,
    cabins: document.cabins,
    status: document.status,
    statusReason: document.statusReason,
    availability: Array.isArray(document.cabins)
      ? document.cabins.map((layout) => ({ cabin: layout?.cabin, ...document.availability?.[layout?.cabin] }))
      : undefined,
    createdAt: isoOf(document.createdAt),
    updatedAt: isoOf(document.updatedAt),
    version: document.version,
  }).pipe(Effect.mapError(invalidDocument(document._id)))

const reasonOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const isDuplicateKey = (cause: unknown) =>
  typeof cause === "object" && cause !== null && "code" in cause && (cause as { code: unknown }).code === 11000

/**
 * A driver call as an Effect: interruptible, in a client span (DESIGN §8: a span per store call),
 * its failure a FlightStoreError naming the operation.
 */
const call = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (cause) => new FlightStoreError({ operation, reason: reasonOf(cause) }) }).pipe(
    Effect.withSpan(`mongodb ${operation}`, {
      kind: "client",
      attributes: { "db.system.name": "mongodb", "db.collection.name": collectionName, "db.operation.name": operation },
    }),
  )

const indexes = [
  { key: { origin: 1, destination: 1, departureDay: 1, departureAt: 1, _id: 1 }, name: "search" },
  MongoDepartures.index,
  { key: { flightNumber: 1, flightDate: 1 }, name: "flight_number_date", unique: true },
  { key: { idempotencyKey: 1 }, name: "idempotency_key", unique: true, sparse: true },
  { key: { outboxPending: 1 }, name: "outbox_pending" },
] as const

export interface Options {
  /** Wakes this process's relay after each write (see `Outbox.OutboxStore.written`). */
  readonly wakeup?: ReturnType<typeof Outbox.makeWakeup>
}

/** Creates the indexes (idempotently) and answers the repository and the outbox over the collection. */
export const make = (db: Db, options: Options = {}) =>
  Effect.gen(function* () {
    const flights: Collection<FlightDocument> = db.collection<FlightDocument>(collectionName)
    // One index per command: FerretDB 1.24 panics on a createIndexes of several that all exist.
    yield* Effect.forEach(indexes, ({ key, ...options }) => call("create indexes", () => flights.createIndex(key, options)), {
      discard: true,
    })
    const wakeup = options.wakeup ?? Outbox.makeWakeup()
    const { alone } = yield* FlightWriteLock.make
    const wrote = Effect.zipRight(wakeup.notify, Effect.void)

    const creationByKey = (key: string) =>
      Effect.gen(function* () {
        const document = yield* call("find creation", () =>
          flights.findOne({ idempotencyKey: key }, { projection: { creation: 1 } }))
        if (document === null || document.creation === undefined) return Option.none<RecordedCreation>()
        const flight = yield* decodeFlightJson(document.creation.flight).pipe(Effect.mapError(invalidDocument(document._id)))
        return Option.some({ fingerprint: document.creation.fingerprint, flight })
      })

    /** Up to `limit` flights matching `filter` by departure then id, and where the next page starts. */
    const page = (operation: string, filter: Filter<FlightDocument>, limit: number) =>
      Effect.gen(function* () {
        const documents = yield* call(operation, () =>
          flights.find(filter, { projection: flightProjection })
            .sort({ departureAt: 1, _id: 1 })
            .limit(limit + 1)
            .toArray())
        const items = yield* Effect.forEach(documents.slice(0, limit), fromDocument)
        const last = items.at(-1)
        return {
          items,
          next: documents.length > limit && last !== undefined
            ? Option.some({ departureAt: last.departureAt, id: last.id })
            : Option.none(),
        } satisfies FlightPage
      })

    const repository: FlightRepository["Type"] = {
      insert: (flight, events, request) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const outbox = outboxDocuments(events, now)
          const document: FlightDocument = {
            _id: flight.id,
            ...mutableFields(flight),
            flightNumber: flight.flightNumber,
            origin: flight.origin,
            destination: flight.destination,
            scheduledDepartureAt: toDate(flight.scheduledDepartureAt),
            flightDate: Flight.flightDate(flight),
            aircraft: flight.aircraft,
            cabins: flight.cabins,
            createdAt: toDate(flight.createdAt),
            bookings: {},
            ...(Option.isSome(request)
              ? {
                idempotencyKey: request.value.key,
                creation: { fingerprint: request.value.fingerprint, flight: encodeFlightJson(flight) },
              }
              : {}),
            outbox,
            outboxPending: outbox.length > 0,
            outboxLease: null,
          }
          const duplicate = yield* Effect.tryPromise({
            try: () => flights.insertOne(document).then(() => false),
            catch: (cause) => cause,
          }).pipe(
            Effect.catchAll((cause) =>
              isDuplicateKey(cause)
                ? Effect.succeed(true)
                : Effect.fail(new FlightStoreError({ operation: "insert", reason: reasonOf(cause) }))
            ),
          )
          if (!duplicate) return yield* wrote
          // The server does not always say which unique index refused the flight: ask the key first.
          if (Option.isSome(request) && Option.isSome(yield* creationByKey(request.value.key))) {
            return yield* Effect.fail(new IdempotencyKeyTaken({ key: request.value.key }))
          }
          return yield* Effect.fail(new FlightAlreadyScheduled({ flightNumber: flight.flightNumber, date: Flight.flightDate(flight) }))
        }),

      creationByKey,

      get: (id) =>
        Effect.gen(function* () {
          const document = yield* call("find", () => flights.findOne({ _id: id }, { projection: flightProjection }))
          return document === null ? Option.none() : Option.some(yield* fromDocument(document))
        }),

      getWithBookings: (id, bookingIds) =>
        Effect.gen(function* () {
          const document = yield* call("find", () =>
            flights.findOne({ _id: id }, {
              projection: { ...flightProjection, ...Object.fromEntries(bookingIds.map((bookingId) => [`bookings.${bookingId}`, 1])) },
            }))
          if (document === null) return Option.none()
          const flight = yield* fromDocument(document)
          const entries = new Map<BookingId, LedgerEntry>()
          for (const bookingId of bookingIds) {
            const raw = document.bookings?.[bookingId]
            if (raw !== undefined) entries.set(bookingId, yield* decodeLedgerEntry(raw).pipe(Effect.mapError(invalidDocument(id))))
          }
          return Option.some({ flight, entries })
        }),

      save: (flight, ledger, events) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const outbox = outboxDocuments(events, now)
          const result = yield* alone(flight.id)(call("update", () =>
            flights.updateOne(
              { _id: flight.id, version: flight.version - 1 },
              {
                $set: {
                  ...mutableFields(flight),
                  ...Object.fromEntries(ledger.map((write) => [`bookings.${write.id}`, write.entry])),
                  ...(outbox.length > 0 ? { outboxPending: true } : {}),
                },
                ...(outbox.length > 0 ? { $push: { outbox: { $each: outbox } } } : {}),
              },
            )))
          if (result.matchedCount === 0) {
            return yield* Effect.fail(new VersionConflict({ id: flight.id, expected: flight.version - 1 }))
          }
          if (outbox.length > 0) yield* wrote
        }),

      search: (criteria) =>
        page("search", {
          origin: criteria.origin,
          destination: criteria.destination,
          departureDay: criteria.date,
          status: { $in: ["scheduled", "delayed"] },
          [`availability.${criteria.cabin}.available`]: { $gte: criteria.passengers },
          ...MongoDepartures.after(criteria.after),
        }, criteria.limit),

      departures: (criteria) => page("departures", MongoDepartures.filter(criteria), criteria.limit),
    }

    const outbox = makeOutbox(flights, wakeup.written, alone)
    return { repository, outbox }
  })

/**
 * The outbox over the flight documents. A relay leases whole documents (their entries stay in
 * order), reads their entries, and after publishing pulls exactly those entries out; a document
 * whose array is then empty is no longer pending. Entries the relay read are kept until it
 * completes or releases them, since the pull names them by value.
 */
const makeOutbox = (
  flights: Collection<FlightDocument>,
  written: Effect.Effect<void>,
  alone: FlightWriteLock.FlightWriteLock["alone"],
): Outbox.OutboxStore => {
  const claimed = new Map<string, { readonly flightId: string; readonly document: OutboxDocument }>()
  /** Documents whose next entry this build cannot read, and until when the relay leaves them alone. */
  const unreadable = new Map<string, number>()
  const storeError = (error: FlightStoreError) => new Outbox.OutboxStoreError({ reason: error.message })
  const available = (owner: string, now: number): Filter<FlightDocument> => ({
    outboxPending: true,
    $or: [{ outboxLease: null }, { "outboxLease.until": { $lte: now } }, { "outboxLease.owner": owner }],
  })
  const settle = (owner: string, flightId: string) =>
    alone(flightId)(Effect.zipRight(
      call("outbox settle", () =>
        flights.updateOne({ _id: flightId, "outbox.0": { $exists: false } }, { $set: { outboxPending: false, outboxLease: null } })),
      call("outbox release", () =>
        flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $set: { outboxLease: null } })),
    ))
  const claimKey = (owner: string, id: string) => `${owner}/${id}`
  const byFlight = (owner: string, ids: ReadonlyArray<string>) => {
    const grouped = new Map<string, Array<OutboxDocument>>()
    for (const id of ids) {
      const entry = claimed.get(claimKey(owner, id))
      if (entry === undefined) continue
      claimed.delete(claimKey(owner, id))
      grouped.set(entry.flightId, [...(grouped.get(entry.flightId) ?? []), entry.document])
    }
    return grouped
  }

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
          const leased = yield* alone(_id)(call("outbox lease", () =>
            flights.updateOne(
              { _id, ...available(owner, now) },
              { $set: { outboxLease: { owner, until: now + Duration.toMillis(lease) } } },
            )))
          if (leased.matchedCount === 0) continue
          const document = yield* call("outbox read", () => flights.findOne({ _id }, { projection: { outbox: 1 } }))
          const pending = document?.outbox ?? []
          if (pending.length === 0) {
            yield* settle(owner, _id)
            continue
          }
          // In order, up to the first entry this build cannot read (say, a newer version written by
          // a newer instance): it and those after it stay pending. A document that starts with one
          // is given back and left alone for a while, for a relay that can read it.
          let taken = 0
          for (const raw of pending) {
            const message = typeof raw?.body === "string" ? Catalogue.decodeJson(raw.body) : null
            if (message === null || message._tag === "Left") {
              yield* Effect.logError(
                `outbox entry ${String(raw?.id)} of flight ${_id} cannot be read by this build; it and the entries after it stay pending`,
                message?.left ?? "no body",
              )
              break
            }
            claimed.set(claimKey(owner, raw.id), { flightId: _id, document: raw })
            entries.push({ id: raw.id, message: message.right as AnyMessage, traceparent: raw.traceparent })
            taken++
          }
          if (taken === 0) {
            unreadable.set(_id, now + unreadableBackoffMillis)
            yield* alone(_id)(call("outbox release", () =>
              flights.updateOne({ _id, "outboxLease.owner": owner }, { $set: { outboxLease: null } })))
          }
        }
        return entries
      }).pipe(Effect.mapError(storeError)),
    renew: (owner, ids, lease) =>
      Effect.gen(function* () {
        const flightsOf = new Map<string, Array<string>>()
        for (const id of ids) {
          const entry = claimed.get(claimKey(owner, id))
          if (entry !== undefined) flightsOf.set(entry.flightId, [...(flightsOf.get(entry.flightId) ?? []), id])
        }
        const still: Array<string> = []
        for (const [flightId, held] of flightsOf) {
          const now = yield* Clock.currentTimeMillis
          // Through the process's lock of the document, like every write of it (FerretDB, see above).
          const renewed = yield* alone(flightId)(call("outbox renew", () =>
            flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $set: { "outboxLease.until": now + Duration.toMillis(lease) } })))
          if (renewed.matchedCount > 0) still.push(...held)
        }
        return still
      }).pipe(Effect.mapError(storeError)),
    complete: (owner, ids) =>
      Effect.forEach(byFlight(owner, ids), ([flightId, documents]) =>
        Effect.zipRight(
          alone(flightId)(call("outbox complete", () =>
            flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $pullAll: { outbox: documents } }))),
          settle(owner, flightId),
        ), { discard: true }).pipe(Effect.mapError(storeError)),
    release: (owner, ids) =>
      Effect.forEach(byFlight(owner, ids), ([flightId]) =>
        alone(flightId)(call("outbox release", () =>
          flights.updateOne({ _id: flightId, "outboxLease.owner": owner }, { $set: { outboxLease: null } }))), {
        discard: true,
      }).pipe(Effect.mapError(storeError)),
    stats: Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const documents = yield* call("outbox stats", () =>
        flights.find({ outboxPending: true }, { projection: { outbox: 1 } }).toArray())
      let pending = 0
      let oldest: number | null = null
      for (const document of documents) {
        for (const entry of document.outbox ?? []) {
          pending += 1
          const at = entry.createdAt instanceof Date ? entry.createdAt.getTime() : Number.NaN
          if (Number.isFinite(at) && (oldest === null || at < oldest)) oldest = at
        }
      }
      return { pending, oldestAgeMillis: oldest === null ? null : now - oldest }
    }).pipe(Effect.mapError(storeError)),
  }
}

const unreadableBackoffMillis = 60_000

/** The repository and its outbox on the service's MongoDB database (see `MongoStore.layer`). */
export const layer: Layer.Layer<FlightRepository | Outbox.Store, FlightStoreError, MongoDatabase> = Layer.scopedContext(
  Effect.gen(function* () {
    const { db } = yield* MongoDatabase
    const { outbox, repository } = yield* make(db)
    const server = yield* call("build info", () => db.command({ buildInfo: 1 })).pipe(Effect.option)
    const ferretdb = Option.flatMap(server, (info) => Option.fromNullable(info["ferretdbVersion"] as string | undefined))
    if (Option.isSome(ferretdb)) {
      yield* Effect.logWarning(
        `MongoDB is FerretDB ${ferretdb.value}, which does not make updates atomic: run one flight instance on it (docs/decisions/0005)`,
      )
    }
    return Context.make(FlightRepository, repository).pipe(Context.add(Outbox.Store, outbox))
  }),
)
