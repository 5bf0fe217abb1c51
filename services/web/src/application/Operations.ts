/**
 * The operations console's use cases (DESIGN §10, `/ops`), each with the staff account's token:
 * flights of a day, scheduling, status changes, a flight's bookings, a booking's saga. (The system
 * page's are in `SystemStatus`.)
 */
import { Spans } from "@flight/runtime"
import { Api } from "../domain/Api.ts"
import type * as ConsoleForms from "../domain/ConsoleForms.ts"
import type * as Resources from "../domain/Resources.ts"
import * as Travel from "./Travel.ts"

/**
 * Every flight departing on a UTC day, whatever its status (`GET /api/flights/departures`, for
 * staff), of the origin and the destination when given, by departure: pages followed up to a cap,
 * and whether more flights remain beyond it.
 */
export const flightsOn = Spans.fn("Operations.flightsOn")(function* (token: string, form: ConsoleForms.Flights) {
  // A day's listing is one page of HTML: beyond this many flights staff narrow it by route.
  const cap = 500
  const api = yield* Api
  const flights: Array<Resources.Flight> = []
  let cursor: string | null = null
  do {
    const query = new URLSearchParams({
      date: form.date,
      ...(form.origin === null ? {} : { origin: form.origin }),
      ...(form.destination === null ? {} : { destination: form.destination }),
      limit: String(Math.min(100, cap - flights.length)),
      ...(cursor === null ? {} : { cursor }),
    })
    const page: Resources.Page<Resources.Flight> =
      (yield* api.request<Resources.Page<Resources.Flight>>({ method: "GET", path: `/api/flights/departures?${query}`, token })).body
    flights.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null && flights.length < cap)
  return { flights, more: cursor !== null }
})

export const schedule = Spans.fn("Operations.schedule")(function* (token: string, form: ConsoleForms.Schedule, idempotencyKey: string) {
  const api = yield* Api
  return (yield* api.request<Resources.Flight>({ method: "POST", path: "/api/flights", body: form, token, idempotencyKey })).body
})

export const changeStatus = Spans.fn("Operations.changeStatus")(function* (
  token: string,
  flightId: string,
  change: { readonly status: "delayed" | "cancelled"; readonly departureAt?: string; readonly reason?: string },
) {
  const api = yield* Api
  return (yield* api.request<Resources.Flight>({
    method: "PATCH",
    path: `/api/flights/${encodeURIComponent(flightId)}/status`,
    body: change,
    token,
  })).body
})

/** How many of a flight's bookings the console shows at a time. */
export const bookingsPerPage = 100

/**
 * A page of a flight's bookings, every status, newest first (`GET /api/bookings?flightId=`, for
 * staff), from `cursor` (the newest when null), and the cursor of the next page.
 */
export const bookingsOf = Spans.fn("Operations.bookingsOf")(function* (token: string, flightId: string, cursor: string | null) {
  const api = yield* Api
  const query = new URLSearchParams({ flightId, limit: String(bookingsPerPage), ...(cursor === null ? {} : { cursor }) })
  const page = (yield* api.request<Resources.Page<Resources.Booking>>({ method: "GET", path: `/api/bookings?${query}`, token })).body
  return { bookings: page.items, nextCursor: page.nextCursor }
})

/** A booking found by id, or by its reference alone (staff), or by its reference and a passenger's last name. */
export const findBooking = Spans.fn("Operations.findBooking")(function* (token: string, form: ConsoleForms.FindBooking) {
  const api = yield* Api
  if (form.by === "id") return yield* Travel.booking(token, form.id)
  const query = new URLSearchParams({ reference: form.reference, ...(form.lastName === null ? {} : { lastName: form.lastName }) })
  return (yield* api.request<Resources.Booking>({ method: "GET", path: `/api/bookings?${query}`, token })).body
})
