/**
 * A flight as MongoDB keeps it: one document holding the flight's fields, its bookings' ledger
 * entries (`bookings.<bookingId>`), the request that created it when that came with an
 * Idempotency-Key, and its outbox (see MongoFlightOutbox.ts). Each part maps to the domain through a
 * Schema, so a document this build cannot read is a decode error naming what is wrong, never a
 * half-read flight.
 */
import { BookingId, Cabin, CompiledParser } from "@flight/contracts"
import type { Idempotent } from "@flight/runtime"
import { Array as Arr, Effect, Option, ParseResult, Schema, Struct } from "effect"
import { LedgerEntry } from "../domain/Availability.ts"
import * as Flight from "../domain/Flight.ts"
import { FlightStoreError, type LedgerWrite } from "../domain/FlightRepository.ts"
import type * as MongoFlightOutbox from "./MongoFlightOutbox.ts"

export const collectionName = "flights"

/** A cabin's seats as stored, under the cabin's name. */
const Seats = Schema.Struct(Struct.omit(Flight.CabinAvailability.fields, "cabin"))

/** The flight's own fields as stored: what reading a flight, search and departures look at. */
export const FlightFields = Schema.Struct({
  _id: Flight.Flight.fields.id,
  ...Struct.omit(Flight.Flight.fields, "id", "availability"),
  scheduledDepartureAt: Schema.DateTimeUtcFromDate,
  departureAt: Schema.DateTimeUtcFromDate,
  arrivalAt: Schema.DateTimeUtcFromDate,
  createdAt: Schema.DateTimeUtcFromDate,
  updatedAt: Schema.DateTimeUtcFromDate,
  /** The UTC day of the scheduled departure: with the number, the flight's name (a unique index). */
  flightDate: Flight.Day,
  /** The UTC day of the expected departure: what search and departures look for. */
  departureDay: Flight.Day,
  /** By cabin, so search can ask for `availability.<cabin>.available`. */
  availability: Schema.partial(Schema.Record({ key: Cabin, value: Seats })),
})

/**
 * The stored fields and the Flight: the seats by cabin there, in the cabins' order here. The days
 * are written from the flight's times, for the indexes, and not read back.
 */
export const FlightFromDocument = Schema.transformOrFail(FlightFields, Schema.typeSchema(Flight.Flight), {
  strict: true,
  decode: (document, _, ast) => {
    const { availability, cabins } = document
    const unknown = cabins.find((layout) => availability[layout.cabin] === undefined)
    if (unknown !== undefined) {
      return ParseResult.fail(new ParseResult.Type(ast, availability, `availability has no ${unknown.cabin} cabin`))
    }
    const fields = Struct.omit(document, "_id", "availability", "departureDay", "flightDate")
    const byCabin = Arr.map(cabins, ({ cabin }) => ({ cabin, ...availability[cabin]! }))
    // Every field was decoded by the Flight's own field schema: nothing is left to validate.
    return ParseResult.succeed(new Flight.Flight({ ...fields, id: document._id, availability: byCabin }, true))
  },
  encode: ({ id, availability, ...fields }) =>
    ParseResult.succeed({
      ...fields,
      _id: id,
      flightDate: Flight.dayOf(fields.scheduledDepartureAt),
      departureDay: Flight.dayOf(fields.departureAt),
      availability: Object.fromEntries(availability.map(({ cabin, ...seats }) => [cabin, seats])),
    }),
})

/** The fields a change of the flight may touch. */
const changeable = [
  "departureAt",
  "arrivalAt",
  "departureDay",
  "status",
  "statusReason",
  "availability",
  "updatedAt",
  "version",
] as const satisfies ReadonlyArray<keyof typeof FlightFields.Encoded>

/** Of the flight's fields, what a read asks the server for. */
export const flightProjection = Object.fromEntries(Object.keys(FlightFields.fields).map((field) => [field, 1]))

/**
 * A ledger entry as written: one string, `held economy 2` (its state, cabin and seats). A flight
 * document holds one for each of its bookings, and FerretDB stores beside every field of a document
 * its type: an object of three fields took about 310 bytes a booking, a string about 150, so a full
 * narrow-body's document is half its size (58.5 kB of stored JSON for 180 bookings, now 30.1), and
 * every read and rewrite of it about half the work (decision 9).
 */
export const CompactLedgerEntry = Schema.transformOrFail(Schema.String, LedgerEntry, {
  strict: true,
  decode: (text, _, ast) => {
    const [state, cabin, seats, ...rest] = text.split(" ")
    return rest.length > 0 || seats === undefined || !/^[1-9][0-9]{0,5}$/.test(seats)
      ? ParseResult.fail(new ParseResult.Type(ast, text, `a ledger entry is "<state> <cabin> <seats>", not ${JSON.stringify(text)}`))
      : ParseResult.decodeUnknown(LedgerEntry)({ state, cabin, seats: Number(seats) })
  },
  encode: (entry) => ParseResult.succeed(`${entry.state} ${entry.cabin} ${entry.seats}`),
}).annotations({ identifier: "CompactLedgerEntry" })

/** An entry as this build writes it, or as an object (`{ state, cabin, seats }`), as builds before it wrote them. */
export const StoredLedgerEntry = Schema.Union(CompactLedgerEntry, LedgerEntry)

/** The bookings' ledger entries by booking id: a change reads and writes only the entries it needs. */
export const Ledger = Schema.ReadonlyMapFromRecord({ key: BookingId, value: StoredLedgerEntry })

/** What an Idempotency-Key recorded: the request's fingerprint and the flight as created (JSON, replayed as it was). */
export const Creation = Schema.Struct({ fingerprint: Schema.String, flight: Schema.parseJson(Flight.Flight) })

/** The document as stored. */
export interface FlightDocument extends Schema.Schema.Encoded<typeof FlightFields>, MongoFlightOutbox.OutboxFields {
  readonly bookings: Schema.Schema.Encoded<typeof Ledger>
  readonly idempotencyKey?: string
  readonly creation?: Schema.Schema.Encoded<typeof Creation>
}

/** A stored document this build cannot read: not transient, reading it again changes nothing. */
const invalid = (id: string) => (error: { readonly message: string }) =>
  new FlightStoreError({ operation: "read", reason: `stored flight ${id} is invalid: ${error.message}`, transient: false })

// Read and written on every booking event of a flight: compiled (`CompiledParser`, Effect's answers).
const decodeFlight = CompiledParser.decoder(FlightFromDocument)
const decodeLedger = CompiledParser.decoder(Ledger)
const decodeCreation = Schema.decodeUnknown(Creation)
// A flight, ledger entries and a creation record are valid by construction: encoding them cannot fail.
const encodeFlight = CompiledParser.encoderSync(FlightFromDocument)
const encodeLedger = CompiledParser.encoderSync(Ledger)
const encodeCreation = Schema.encodeSync(Creation)

/** The flight of a document read with `flightProjection` (its other fields, when there, are not its). */
export const flightOf = (document: { readonly _id: string }) => decodeFlight(document).pipe(Effect.mapError(invalid(document._id)))

/** The ledger entries a document was read with, by booking. */
export const ledgerOf = (document: Pick<FlightDocument, "_id"> & Partial<Pick<FlightDocument, "bookings">>) =>
  decodeLedger(document.bookings ?? {}).pipe(Effect.mapError(invalid(document._id)))

/** The creation a document recorded, when it recorded one. */
export const creationOf = (document: Pick<FlightDocument, "_id"> & Required<Pick<FlightDocument, "creation">>) =>
  decodeCreation(document.creation).pipe(Effect.mapError(invalid(document._id)))

/** A new flight's document without its outbox: the flight, no ledger entries, the request's record under its key. */
export const created = (flight: Flight.Flight, request: Option.Option<Idempotent.Request>) => ({
  ...encodeFlight(flight),
  bookings: {},
  ...(Option.isSome(request)
    ? { idempotencyKey: request.value.key, creation: encodeCreation({ fingerprint: request.value.fingerprint, flight }) }
    : {}),
})

/** What a change sets: the flight's changeable fields and the bookings' ledger entries it wrote. */
export const changed = (flight: Flight.Flight, ledger: ReadonlyArray<LedgerWrite>) => {
  const stored = encodeFlight(flight)
  const entries = encodeLedger(new Map(ledger.map((write) => [write.id, write.entry])))
  return {
    ...Object.fromEntries(changeable.map((field) => [field, stored[field]])),
    ...Object.fromEntries(Object.entries(entries).map(([bookingId, entry]) => [`bookings.${bookingId}`, entry])),
  }
}
