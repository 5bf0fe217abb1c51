/**
 * The traveller's use cases (DESIGN §5, flows 1, 2 and 4 as a person walks them): search, the seat
 * map, booking, paying, reading a booking with its payments and notifications, managing it by
 * reference and last name, cancelling, "my trips". Each call goes to the gateway with the token of
 * whoever holds the booking.
 */
import { Spans } from "@flight/runtime"
import { Effect, Schedule } from "effect"
import { Api } from "../domain/Api.ts"
import type * as Resources from "../domain/Resources.ts"
import type { Session } from "../domain/Session.ts"
import type * as TravelForms from "../domain/TravelForms.ts"

/** The token to send for a booking: its guest token if this visitor holds one, else the account's. */
export const holderToken = (session: Session, bookingId: string): string | undefined =>
  session.guests[bookingId]?.token ?? session.account?.accessToken

export const search = Spans.fn("Travel.search")(function* (form: TravelForms.Search) {
  const api = yield* Api
  const query = new URLSearchParams({
    origin: form.origin,
    destination: form.destination,
    date: form.date,
    passengers: String(form.passengers),
    cabin: form.cabin,
    limit: "50",
  })
  return (yield* api.request<Resources.Page<Resources.Flight>>({ method: "GET", path: `/api/flights?${query}` })).body.items
})

export const flight = Spans.fn("Travel.flight")(function* (id: string) {
  const api = yield* Api
  return (yield* api.request<Resources.Flight>({ method: "GET", path: `/api/flights/${encodeURIComponent(id)}` })).body
})

export const seatMap = Spans.fn("Travel.seatMap")(function* (flightId: string, cabin: string) {
  const api = yield* Api
  return (yield* api.request<Resources.SeatMap>({
    method: "GET",
    path: `/api/seatmaps/${encodeURIComponent(flightId)}?cabin=${encodeURIComponent(cabin)}`,
  })).body
})

/** Holds the seats: as the signed-in account (it owns the booking), or as a guest (its token comes back). */
export const book = Spans.fn("Travel.book")(function* (session: Session, form: TravelForms.Booking, idempotencyKey: string) {
  const api = yield* Api
  return (yield* api.request<Resources.CreatedBooking>({
    method: "POST",
    path: "/api/bookings",
    body: form,
    token: session.account?.accessToken,
    idempotencyKey,
  })).body
})

/** Until booking.created reaches payment the intent is not there: asked again for a few seconds. */
const whileNotReady = Schedule.spaced("300 millis").pipe(Schedule.upTo("8 seconds"))

export const pay = Spans.fn("Travel.pay")(function* (session: Session, bookingId: string, cardToken: string, idempotencyKey: string) {
  const api = yield* Api
  const answer = yield* api.request<Resources.Payment>({
    method: "POST",
    path: "/api/payments",
    body: { bookingId, method: { type: "card", token: cardToken } },
    token: holderToken(session, bookingId),
    idempotencyKey,
  }).pipe(Effect.retry({ schedule: whileNotReady, while: (problem) => problem.type === "payment-not-ready" }))
  return answer.body
})

export const booking = Spans.fn("Travel.booking")(function* (token: string | undefined, id: string) {
  const api = yield* Api
  return (yield* api.request<Resources.Booking>({ method: "GET", path: `/api/bookings/${encodeURIComponent(id)}`, token })).body
})

/**
 * A booking with its flight, payments and notifications. Payment and notification hear of a booking
 * a moment after it is made: until then their history is read as empty, not as an error.
 */
export const story = Spans.fn("Travel.story")(function* (token: string | undefined, id: string) {
  const api = yield* Api
  const found = yield* booking(token, id)
  const query = `bookingId=${encodeURIComponent(id)}&limit=100`
  const [trip, payments, notifications] = yield* Effect.all([
    Effect.orElseSucceed(flight(found.flightId), () => null),
    api.request<Resources.Page<Resources.Payment>>({ method: "GET", path: `/api/payments?${query}`, token }).pipe(
      Effect.map((answer) => answer.body.items),
      Effect.orElseSucceed(() => []),
    ),
    api.request<Resources.Page<Resources.Notification>>({ method: "GET", path: `/api/notifications?${query}`, token }).pipe(
      Effect.map((answer) => answer.body.items),
      Effect.orElseSucceed(() => []),
    ),
  ], { concurrency: "unbounded" })
  return { booking: found, flight: trip, payments, notifications } satisfies Resources.BookingStory
})

/** Reference and last name give the booking and a guest token for it (the same 404 for either wrong). */
export const manage = Spans.fn("Travel.manage")(function* (form: TravelForms.Manage) {
  const api = yield* Api
  return (yield* api.request<{ readonly booking: Resources.Booking; readonly accessToken: string }>({
    method: "POST",
    path: "/api/bookings/manage",
    body: form,
  })).body
})

export const cancel = Spans.fn("Travel.cancel")(function* (token: string | undefined, id: string, idempotencyKey: string) {
  const api = yield* Api
  return (yield* api.request<Resources.Booking>({
    method: "POST",
    path: `/api/bookings/${encodeURIComponent(id)}/cancel`,
    token,
    idempotencyKey,
  })).body
})

/** The signed-in account's own bookings, newest first, each with its flight when it can be read. */
export const trips = Spans.fn("Travel.trips")(function* (accessToken: string) {
  const api = yield* Api
  const page = (yield* api.request<Resources.Page<Resources.Booking>>({ method: "GET", path: "/api/bookings?mine=true&limit=50", token: accessToken })).body
  const flights = new Map<string, Resources.Flight | null>()
  for (const id of new Set(page.items.map((item) => item.flightId))) flights.set(id, null)
  yield* Effect.forEach([...flights.keys()], (id) =>
    Effect.map(Effect.orElseSucceed(flight(id), () => null), (found) => void flights.set(id, found)), { concurrency: 8 })
  return page.items.map((item) => ({ booking: item, flight: flights.get(item.flightId) ?? null }))
})
