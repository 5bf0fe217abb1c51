/**
 * Bookings and seat inventory in memory, for the embedded mode and tests: the same semantics as the
 * Redis adapter. Each operation is one synchronous block, so it is atomic within the process.
 */
import { Outbox } from "@flight/bus"
import type { AnyMessage, BookingId, SeatNumber } from "@flight/contracts"
import { type StoreHealth, StoreHealthLayer } from "@flight/runtime"
import { Clock, Context, DateTime, type Duration, Effect, Either, Layer, Option } from "effect"
import { Booking, HoldExpired, InvalidTransition, randomReference } from "../domain/Booking.ts"
import {
  BookingNotFound,
  BookingRepository,
  CabinNotOnFlight,
  FlightNotBookable,
  FlightNotFound,
  type HoldError,
  pendingBooking,
} from "../domain/BookingRepository.ts"
import { HoldLimitReached } from "../domain/HoldLimit.ts"
import { allocate, bookable, FlightSeating, seatsOf, supersedes } from "../domain/SeatInventory.ts"
import * as InMemoryHoldLimits from "./InMemoryHoldLimits.ts"
import * as InMemoryIdempotencyKeys from "./InMemoryIdempotencyKeys.ts"

interface FlightState {
  seating: FlightSeating
  /** Per cabin, seat -> holder: `h:<id>` held, `s:<id>` sold. */
  readonly seats: Map<string, Map<string, string>>
  readonly active: Set<BookingId>
  /** Every booking held on the flight, oldest first. */
  readonly booked: Array<BookingId>
}

type Repository = BookingRepository["Type"]

export interface Options {
  /** How long an Idempotency-Key's claim waits for its request (`defaultClaimWindow` unless given). */
  readonly claimFor?: Duration.DurationInput
}

export const make = (options: Options = {}) => Effect.sync(() => {
  const flights = new Map<string, FlightState>()
  const bookings = new Map<BookingId, Booking>()
  /** Booking id -> hold expiry (ms), while pending. */
  const expiring = new Map<BookingId, number>()
  const references = new Map<string, BookingId>()
  /** Owner -> their bookings, oldest first. */
  const owned = new Map<string, Array<BookingId>>()
  const outbox = Outbox.inMemory()
  const held = InMemoryHoldLimits.make()

  const seatsOfCabin = (state: FlightState, cabin: string) => {
    const seats = state.seats.get(cabin) ?? new Map<string, string>()
    state.seats.set(cabin, seats)
    return seats
  }

  const store = (booking: Booking) => bookings.set(booking.id, booking)

  /** A page of an index kept oldest first, newest first. */
  const pageOf = (oldestFirst: ReadonlyArray<BookingId>, page: { readonly offset: number; readonly limit: number }) => {
    const ids = oldestFirst.toReversed()
    const items = ids.slice(page.offset, page.offset + page.limit).flatMap((id) => {
      const booking = bookings.get(id)
      return booking === undefined ? [] : [booking]
    })
    return { items, more: page.offset + page.limit < ids.length }
  }

  const repository: BookingRepository["Type"] = {
    seed: (seating) =>
      Effect.sync(() => {
        if (flights.has(seating.flightId)) return false
        flights.set(seating.flightId, { seating, seats: new Map(), active: new Set(), booked: [] })
        return true
      }),
    seating: (flightId) => Effect.sync(() => Option.map(Option.fromNullable(flights.get(flightId)), (state) => state.seating)),
    setFlightStatus: (flightId, status) =>
      Effect.sync(() => {
        const state = flights.get(flightId)
        if (state === undefined) return false
        if (supersedes(state.seating.status, status)) state.seating = new FlightSeating({ ...state.seating, status })
        return true
      }),

    hold: (request) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.suspend((): Effect.Effect<{ readonly booking: Booking; readonly replayed: boolean }, HoldError> => {
          const existing = bookings.get(request.id)
          if (existing !== undefined) {
            // Held before (a creation retried under its claim): a reference drawn for this request leads nowhere.
            if (existing.reference !== request.reference && references.get(request.reference) === request.id) {
              references.delete(request.reference)
            }
            return Effect.succeed({ booking: existing, replayed: true })
          }
          const state = flights.get(request.flightId)
          if (state === undefined) return Effect.fail(new FlightNotFound({ flightId: request.flightId }))
          if (!bookable(state.seating)) {
            return Effect.fail(new FlightNotBookable({ flightId: request.flightId, status: state.seating.status }))
          }
          const layout = state.seating.cabins.find((candidate) => candidate.cabin === request.cabin)
          if (layout === undefined) return Effect.fail(new CabinNotOnFlight({ flightId: request.flightId, cabin: request.cabin }))
          const at = DateTime.toEpochMillis(request.now)
          const admission = held.admit(request.limit, request.passengers.length, at)
          if (admission._tag === "Refused") {
            return Effect.fail(new HoldLimitReached({ limit: request.limit.maxSeats, held: admission.held, retryAfterMillis: admission.retryAt - at }))
          }
          const seats = seatsOfCabin(state, request.cabin)
          const chosen = allocate(request.flightId, layout, (seat) => !seats.has(seat), request.passengers.map((p) => p.seat))
          if (Either.isLeft(chosen)) return Effect.fail(chosen.left)
          const booking = pendingBooking(request, chosen.right)
          const { passengers, total } = booking
          for (const seat of chosen.right) seats.set(seat, `h:${booking.id}`)
          store(booking)
          if (booking.owner !== null) owned.set(booking.owner, [...(owned.get(booking.owner) ?? []), booking.id])
          state.active.add(booking.id)
          state.booked.push(booking.id)
          expiring.set(booking.id, DateTime.toEpochMillis(request.holdExpiresAt))
          held.add(booking.id, request.limit, { seats: passengers.length, expiresAt: DateTime.toEpochMillis(request.holdExpiresAt) })
          const message = request.event.message
          outbox.appendNow([{
            id: message.id,
            message: { ...message, data: { ...message.data, seats: chosen.right as never, passengers, total } },
            traceparent: request.event.traceparent,
          }], now)
          return Effect.succeed({ booking, replayed: false })
        })),

    confirm: (named, paymentId, now, event) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.suspend((): ReturnType<Repository["confirm"]> => {
          const id = named.id
          const stored = bookings.get(id)
          // Named with another flight or cabin, it is not where the caller looked.
          const booking = stored?.flightId === named.flightId && stored.cabin === named.cabin ? stored : undefined
          const state = booking === undefined ? undefined : flights.get(booking.flightId)
          if (booking === undefined || state === undefined) return Effect.fail(new BookingNotFound({ id }))
          if (booking.status === "confirmed" && booking.paymentId === paymentId) {
            return Effect.succeed({ _tag: "AlreadyConfirmed" as const, booking })
          }
          if (booking.status !== "pending") return Effect.fail(new InvalidTransition({ id, from: booking.status, to: "confirmed" }))
          if (DateTime.toEpochMillis(now) >= (expiring.get(id) ?? 0)) {
            return Effect.fail(new HoldExpired({ id, holdExpiresAt: booking.holdExpiresAt }))
          }
          const confirmed = new Booking({ ...booking, status: "confirmed", paymentId, updatedAt: now })
          const seats = seatsOfCabin(state, booking.cabin)
          for (const passenger of booking.passengers) seats.set(passenger.seat, `s:${id}`)
          store(confirmed)
          expiring.delete(id)
          held.release(id)
          outbox.appendNow([{ id: event.message.id, message: event.message, traceparent: event.traceparent }], at)
          return Effect.succeed({ _tag: "Confirmed" as const, booking: confirmed })
        })),

    cancel: (id, reason, now, event) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.suspend((): ReturnType<Repository["cancel"]> => {
          const booking = bookings.get(id)
          if (booking === undefined) return Effect.fail(new BookingNotFound({ id }))
          if (booking.status !== "pending" && booking.status !== "confirmed") {
            return Effect.fail(new InvalidTransition({ id, from: booking.status, to: "cancelled" }))
          }
          return Effect.succeed(release(booking, "cancelled", reason, now, event, at))
        })),

    expire: (id, now, event) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.sync(() => {
          const booking = bookings.get(id)
          const due = expiring.get(id)
          if (booking === undefined || booking.status !== "pending" || due === undefined || DateTime.toEpochMillis(now) < due) {
            if (booking === undefined || booking.status !== "pending") expiring.delete(id)
            return Option.none()
          }
          return Option.some(release(booking, "expired", "expired", now, event, at))
        })),

    forgetExpiry: (id) => Effect.sync(() => void expiring.delete(id)),
    append: (_flightId, events) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() =>
          outbox.appendNow(events.map((event) => ({ id: event.message.id, message: event.message, traceparent: event.traceparent })), now)
        )),
    dueForExpiry: (now, limit) =>
      Effect.sync(() =>
        [...expiring.entries()]
          .filter(([, due]) => due <= DateTime.toEpochMillis(now))
          .sort(([, a], [, b]) => a - b)
          .slice(0, limit)
          .map(([id]) => id)
      ),

    get: (id) => Effect.sync(() => Option.fromNullable(bookings.get(id))),
    ownedBy: (owner, page) => Effect.sync(() => pageOf(owned.get(owner) ?? [], page)),
    ofFlight: (flightId, page) => Effect.sync(() => pageOf(flights.get(flightId)?.booked ?? [], page)),
    findByReference: (reference) =>
      Effect.sync(() => Option.flatMap(Option.fromNullable(references.get(reference)), (id) => Option.fromNullable(bookings.get(id)))),
    activeOnFlight: (flightId) =>
      Effect.sync(() => [...(flights.get(flightId)?.active ?? [])].map((id) => bookings.get(id)!).filter((b) => b !== undefined)),
    seatMap: (flightId, cabin) =>
      Effect.suspend((): ReturnType<Repository["seatMap"]> => {
        const state = flights.get(flightId)
        if (state === undefined) return Effect.fail(new FlightNotFound({ flightId }))
        const layout = state.seating.cabins.find((candidate) => candidate.cabin === cabin)
        if (layout === undefined) return Effect.fail(new CabinNotOnFlight({ flightId, cabin }))
        const holders = seatsOfCabin(state, cabin)
        return Effect.succeed(seatsOf(layout).map((seat: SeatNumber) => {
          const holder = holders.get(seat)
          return { seat, state: holder === undefined ? "free" as const : holder.startsWith("s:") ? "sold" as const : "held" as const }
        }))
      }),

    idempotency: InMemoryIdempotencyKeys.make((id) => bookings.has(id), options.claimFor),
    reserveReference: (id) =>
      Effect.sync(() => {
        let reference = randomReference()
        while (references.has(reference)) reference = randomReference()
        references.set(reference, id)
        return reference
      }),
  }

  const release = (
    booking: Booking,
    status: "cancelled" | "expired",
    reason: Booking["cancellationReason"] & string,
    now: DateTime.Utc,
    event: { readonly message: AnyMessage; readonly traceparent: string | null },
    at: number,
  ) => {
    const state = flights.get(booking.flightId)!
    const seats = seatsOfCabin(state, booking.cabin)
    for (const passenger of booking.passengers) {
      if (seats.get(passenger.seat)?.slice(2) === booking.id) seats.delete(passenger.seat)
    }
    const ended = new Booking({ ...booking, status, cancellationReason: reason, updatedAt: now })
    store(ended)
    state.active.delete(booking.id)
    expiring.delete(booking.id)
    held.release(booking.id)
    const message = event.message
    outbox.appendNow([{
      id: message.id,
      message: message.type === "booking.cancelled"
        ? { ...message, data: { ...message.data, paid: booking.paymentId !== null } }
        : message,
      traceparent: event.traceparent,
    }], at)
    return ended
  }

  return { repository, outbox, expiring }
})

/** The repository, its outbox and an always-up store health, for the embedded mode. */
export const layerWith = (options: Options = {}): Layer.Layer<BookingRepository | Outbox.Store | StoreHealth> =>
  Layer.effectContext(
    Effect.map(make(options), ({ outbox, repository }) =>
      Context.make(BookingRepository, repository).pipe(Context.add(Outbox.Store, outbox))),
  ).pipe(Layer.merge(StoreHealthLayer.inMemory))

export const layer = layerWith()
