/**
 * How the flight API shows flights: a flight with each cabin's capacity and seats still available,
 * and a page of them with the cursor where the next page starts.
 */
import { CabinLayout, FlightId, FlightNumber, FlightStatus, IataCode } from "@flight/contracts"
import { Paging, Route } from "@flight/runtime"
import { DateTime, Option, Schema } from "effect"
import * as Flight from "../domain/Flight.ts"
import type { FlightPage as FoundFlights } from "../domain/FlightRepository.ts"

export const CabinView = Schema.Struct({
  ...CabinLayout.fields,
  capacity: Schema.Int,
  availableSeats: Schema.Int,
}).annotations({ identifier: "CabinView" })

export const FlightView = Schema.Struct({
  id: FlightId,
  flightNumber: FlightNumber,
  origin: IataCode,
  destination: IataCode,
  departureAt: Schema.DateTimeUtc,
  arrivalAt: Schema.DateTimeUtc,
  scheduledDepartureAt: Schema.DateTimeUtc,
  aircraft: Schema.String,
  status: FlightStatus,
  statusReason: Schema.NullOr(Schema.String),
  cabins: Schema.Array(CabinView),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
}).annotations({ identifier: "Flight" })

/** The seats of a cabin the flight has (every cabin of its layout has an availability). */
const seatsOf = (flight: Flight.Flight, layout: CabinLayout) => Option.getOrThrow(Flight.availabilityOf(flight, layout.cabin))

export const viewOf = (flight: Flight.Flight): typeof FlightView.Type => ({
  id: flight.id,
  flightNumber: flight.flightNumber,
  origin: flight.origin,
  destination: flight.destination,
  departureAt: flight.departureAt,
  arrivalAt: flight.arrivalAt,
  scheduledDepartureAt: flight.scheduledDepartureAt,
  aircraft: flight.aircraft,
  status: flight.status,
  statusReason: flight.statusReason,
  cabins: flight.cabins.map((layout) => {
    const seats = seatsOf(flight, layout)
    return { ...layout, capacity: seats.capacity, availableSeats: seats.available }
  }),
  createdAt: flight.createdAt,
  updatedAt: flight.updatedAt,
})

/** Where a page ended, opaque to clients: base64url of `{ departureAt, id }`. */
export const Cursor = Paging.cursorOf(Schema.Struct({ departureAt: Schema.DateTimeUtc, id: FlightId }))

export const FlightPage = Paging.page(FlightView, Cursor).annotations({ identifier: "FlightPage" })

type EncodedView = typeof FlightView.Encoded

/**
 * Flight values never change (a change saves a new `Flight`), so each one's encoded view is made
 * once and kept as long as the flight itself is held.
 */
const encodedViews = new WeakMap<Flight.Flight, EncodedView>()

/**
 * What `FlightView` encodes `viewOf(flight)` to, the same JSON values field for field, written
 * out instead of walking the schema: a search answers the same flights again and again.
 */
export const encodedViewOf = (flight: Flight.Flight): EncodedView => {
  const cached = encodedViews.get(flight)
  if (cached !== undefined) return cached
  const view: EncodedView = {
    id: flight.id,
    flightNumber: flight.flightNumber,
    origin: flight.origin,
    destination: flight.destination,
    departureAt: DateTime.formatIso(flight.departureAt),
    arrivalAt: DateTime.formatIso(flight.arrivalAt),
    scheduledDepartureAt: DateTime.formatIso(flight.scheduledDepartureAt),
    aircraft: flight.aircraft,
    status: flight.status,
    statusReason: flight.statusReason,
    cabins: flight.cabins.map((layout) => {
      const seats = seatsOf(flight, layout)
      return {
        cabin: layout.cabin,
        rows: { from: layout.rows.from, to: layout.rows.to },
        seatLetters: layout.seatLetters,
        fare: { amount: layout.fare.amount, currency: layout.fare.currency },
        capacity: seats.capacity,
        availableSeats: seats.available,
      }
    }),
    createdAt: DateTime.formatIso(flight.createdAt),
    updatedAt: DateTime.formatIso(flight.updatedAt),
  }
  encodedViews.set(flight, view)
  return view
}

const encodeCursor = Schema.encodeSync(Cursor)

/** A page as `FlightPage` encodes it, sent as it is (`Route.response`), so the runtime does not encode it again. */
export const pageResponse = (page: FoundFlights): Route.Response =>
  Route.response({
    status: 200,
    body: {
      items: page.items.map(encodedViewOf),
      nextCursor: Option.isSome(page.next) ? encodeCursor(page.next.value) : null,
    },
  })

/**
 * The public reads' caching (decision 36): a shared cache (the gateway's) may answer the same read
 * for a second, a browser must ask again. Availability already trails the bookings (by a few hundred
 * milliseconds at p99, decision 29), and the hold, not the read, decides whether a seat is free.
 */
export const publicRead: Readonly<Record<string, string>> = { "cache-control": "max-age=0, s-maxage=1" }
