/**
 * The operations console's use cases (DESIGN §10, `/ops`), each with the staff account's token:
 * flights of a day on a route, scheduling, status changes, a flight's bookings, a booking's saga,
 * and the services' readiness.
 */
import { Effect } from "effect"
import { Api } from "../domain/Api.ts"
import * as BusStatus from "../domain/BusStatus.ts"
import type * as ConsoleForms from "../domain/ConsoleForms.ts"
import type * as Resources from "../domain/Resources.ts"
import { Cabins } from "../domain/Validation.ts"
import * as Travel from "./Travel.ts"

/**
 * The flights of a day on a route. Search is the only listing the flight API has: it answers
 * bookable flights (scheduled or delayed) with a seat in the cabin asked, so every cabin is asked.
 */
export const flightsOn = Effect.fn("Operations.flightsOn")(function* (token: string, form: { readonly origin: string; readonly destination: string; readonly date: string }) {
  const api = yield* Api
  const pages = yield* Effect.forEach(Cabins, (cabin) => {
    const query = new URLSearchParams({ ...form, cabin, passengers: "1", limit: "100" })
    return api.request<Resources.Page<Resources.Flight>>({ method: "GET", path: `/api/flights?${query}`, token })
  }, { concurrency: "unbounded" })
  const byId = new Map<string, Resources.Flight>()
  for (const page of pages) for (const item of page.body.items) byId.set(item.id, item)
  return [...byId.values()].toSorted((a, b) => a.departureAt.localeCompare(b.departureAt))
})

export const schedule = Effect.fn("Operations.schedule")(function* (token: string, form: ConsoleForms.Schedule, idempotencyKey: string) {
  const api = yield* Api
  return (yield* api.request<Resources.Flight>({ method: "POST", path: "/api/flights", body: form, token, idempotencyKey })).body
})

export const changeStatus = Effect.fn("Operations.changeStatus")(function* (
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
export const bookingsOf = Effect.fn("Operations.bookingsOf")(function* (token: string, flightId: string, cursor: string | null) {
  const api = yield* Api
  const query = new URLSearchParams({ flightId, limit: String(bookingsPerPage), ...(cursor === null ? {} : { cursor }) })
  const page = (yield* api.request<Resources.Page<Resources.Booking>>({ method: "GET", path: `/api/bookings?${query}`, token })).body
  return { bookings: page.items, nextCursor: page.nextCursor }
})

/** A booking found by id, or by its reference alone (staff), or by its reference and a passenger's last name. */
export const findBooking = Effect.fn("Operations.findBooking")(function* (token: string, form: ConsoleForms.FindBooking) {
  const api = yield* Api
  if (form.by === "id") return yield* Travel.booking(token, form.id)
  const query = new URLSearchParams({ reference: form.reference, ...(form.lastName === null ? {} : { lastName: form.lastName }) })
  return (yield* api.request<Resources.Booking>({ method: "GET", path: `/api/bookings?${query}`, token })).body
})

export interface ReadinessResult {
  readonly name: string
  readonly url: URL
  readonly status: number
}

/** Each service's `/health/ready`, asked at once. */
export const readiness = Effect.fn("Operations.readiness")(function* (targets: Readonly<Record<string, URL>>) {
  const api = yield* Api
  return yield* Effect.forEach(
    Object.entries(targets),
    ([name, url]) => Effect.map(api.probe(url), (status): ReadinessResult => ({ name, url, status })),
    { concurrency: "unbounded" },
  )
})

export interface BusResult {
  readonly name: string
  readonly url: URL
  /** None when `/metrics` did not answer 200 (with `status`). */
  readonly bus: BusStatus.BusStatus | null
  readonly status: number
}

/** Each message-bus service's outbox and dead letters, from its `/metrics` read with the admin's token. */
export const bus = Effect.fn("Operations.bus")(function* (token: string, targets: Readonly<Record<string, URL>>) {
  const api = yield* Api
  return yield* Effect.forEach(
    Object.entries(targets),
    ([name, url]) =>
      Effect.map(api.text(url, token), (answer): BusResult => ({
        name,
        url,
        status: answer.status,
        bus: answer.status === 200 ? BusStatus.parse(answer.body) : null,
      })),
    { concurrency: "unbounded" },
  )
})
