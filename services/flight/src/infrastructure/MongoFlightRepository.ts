/**
 * The flight catalogue on MongoDB, one document per flight (MongoFlightDocument.ts). A change is one
 * `updateOne` of that document guarded by its version: the flight's fields, the bookings' ledger
 * entries and the events (appended to the document's own outbox, MongoFlightOutbox.ts) change
 * together or not at all, with no multi-document transaction. The outbox relay leases a document's
 * entries, publishes them, and pulls them out of the array.
 *
 * Writes to one flight document are also serialised within the process, for FerretDB (see
 * FlightWriteLock.ts and docs/decisions/0009).
 *
 * Indexes, created at start: route + departure day + departure + id (search, in result order),
 * departure day + departure + id (departures, see MongoDepartures.ts), flight number + scheduled
 * day (unique), Idempotency-Key (unique, sparse), pending outbox.
 */
import { Outbox } from "@flight/bus"
import { Idempotent } from "@flight/runtime"
import { Context, Effect, Layer, Option } from "effect"
import type { Collection, Db, Filter } from "mongodb"
import * as Flight from "../domain/Flight.ts"
import {
  FlightAlreadyScheduled,
  FlightRepository,
  FlightStoreError,
  pageOf,
  type RecordedCreation,
  VersionConflict,
} from "../domain/FlightRepository.ts"
import * as FlightWriteLock from "./FlightWriteLock.ts"
import * as MongoDepartures from "./MongoDepartures.ts"
import * as MongoFlightDocument from "./MongoFlightDocument.ts"
import * as MongoFlightOutbox from "./MongoFlightOutbox.ts"
import { call as callOn, MongoDatabase, reasonOf } from "./MongoStore.ts"

export const collectionName = MongoFlightDocument.collectionName

const call = callOn(collectionName)

const isDuplicateKey = (cause: unknown) =>
  typeof cause === "object" && cause !== null && "code" in cause && (cause as { code: unknown }).code === 11000

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
    const flights: Collection<MongoFlightDocument.FlightDocument> = db.collection(collectionName)
    // One index per command: FerretDB 1.24 panics on a createIndexes of several that all exist.
    yield* Effect.forEach(indexes, ({ key, ...options }) => call("create indexes", () => flights.createIndex(key, options)), {
      discard: true,
    })
    const wakeup = options.wakeup ?? Outbox.makeWakeup()
    const lock = yield* FlightWriteLock.make
    const wrote = Effect.zipRight(wakeup.notify, Effect.void)

    const creationByKey = (key: string) =>
      Effect.gen(function* () {
        const document = yield* call("find creation", () =>
          flights.findOne({ idempotencyKey: key }, { projection: { creation: 1 } }))
        if (document === null || document.creation === undefined) return Option.none<RecordedCreation>()
        return Option.some(yield* MongoFlightDocument.creationOf({ _id: document._id, creation: document.creation }))
      })

    /** Up to `limit` flights matching `filter` by departure then id, and where the next page starts. */
    const page = (operation: string, filter: Filter<MongoFlightDocument.FlightDocument>, limit: number) =>
      Effect.gen(function* () {
        const documents = yield* call(operation, () =>
          flights.find(filter, { projection: MongoFlightDocument.flightProjection })
            .sort({ departureAt: 1, _id: 1 })
            .limit(limit + 1)
            .toArray())
        const items = yield* Effect.forEach(documents.slice(0, limit), MongoFlightDocument.flightOf)
        return pageOf(items, documents.length > limit)
      })

    const repository: FlightRepository["Type"] = {
      insert: (flight, events, request) =>
        Effect.gen(function* () {
          const document: MongoFlightDocument.FlightDocument = {
            ...MongoFlightDocument.created(flight, request),
            ...MongoFlightOutbox.initial(yield* MongoFlightOutbox.entriesOf(events)),
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
            return yield* Effect.fail(new Idempotent.IdempotencyKeyTaken({ key: request.value.key }))
          }
          return yield* Effect.fail(new FlightAlreadyScheduled({ flightNumber: flight.flightNumber, date: Flight.flightDate(flight) }))
        }),

      creationByKey,

      get: (id) =>
        Effect.gen(function* () {
          const document = yield* call("find", () => flights.findOne({ _id: id }, { projection: MongoFlightDocument.flightProjection }))
          return document === null ? Option.none() : Option.some(yield* MongoFlightDocument.flightOf(document))
        }),

      getWithBookings: (id, bookingIds) =>
        Effect.gen(function* () {
          const document = yield* call("find", () =>
            flights.findOne({ _id: id }, {
              projection: {
                ...MongoFlightDocument.flightProjection,
                ...Object.fromEntries(bookingIds.map((bookingId) => [`bookings.${bookingId}`, 1])),
              },
            }))
          if (document === null) return Option.none()
          const flight = yield* MongoFlightDocument.flightOf(document)
          const entries = yield* MongoFlightDocument.ledgerOf(document)
          return Option.some({ flight, entries })
        }),

      save: (flight, ledger, events) =>
        Effect.gen(function* () {
          const entries = yield* MongoFlightOutbox.entriesOf(events)
          const result = yield* lock.alone(flight.id)(call("update", () =>
            flights.updateOne(
              { _id: flight.id, version: flight.version - 1 },
              MongoFlightOutbox.withEvents(MongoFlightDocument.changed(flight, ledger), entries),
            )))
          if (result.matchedCount === 0) {
            return yield* Effect.fail(new VersionConflict({ id: flight.id, expected: flight.version - 1 }))
          }
          if (entries.length > 0) yield* wrote
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

    const outbox = MongoFlightOutbox.make(db.collection(collectionName), lock, wakeup.written)
    return { repository, outbox }
  })

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
