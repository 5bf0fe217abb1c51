/**
 * The booking service's queries: GetBooking, FindBooking (reference and last name), my trips, and
 * the staff's: a flight's bookings, a booking by reference alone; GetSeatMap.
 */
import type { Principal } from "@flight/auth"
import type { BookingId, BookingReference, Cabin, FlightId } from "@flight/contracts"
import { Spans } from "@flight/runtime"
import { Effect, Option } from "effect"
import * as BookingAccess from "./BookingAccess.ts"
import { hasPassenger } from "../domain/Booking.ts"
import { BookingNotFound, BookingRepository } from "../domain/BookingRepository.ts"

export class BookingQueries extends Effect.Service<BookingQueries>()("booking/BookingQueries", {
  effect: Effect.gen(function* () {
    const repository = yield* BookingRepository

    const get = Spans.fn("BookingQueries.get")(function* (id: BookingId) {
      return yield* Effect.flatMap(repository.get(id), Option.match({
        onNone: () => Effect.fail(new BookingNotFound({ id })),
        onSome: Effect.succeed,
      }))
    })

    /**
     * The booking, when the caller may reach it (BookingAccess); otherwise the same BookingNotFound
     * as for an unknown id, so a stranger learns nothing of whether it exists.
     */
    const reachable = Spans.fn("BookingQueries.reachable")(function* (caller: Option.Option<Principal.Principal>, id: BookingId) {
      const booking = yield* get(id)
      if (!BookingAccess.canRead(caller, booking)) return yield* Effect.fail(new BookingNotFound({ id }))
      return booking
    })

    /** As at an airline: the reference alone reveals nothing; a passenger's last name must match. */
    const find = Spans.fn("BookingQueries.find")(function* (reference: BookingReference, lastName: string) {
      const booking = yield* repository.findByReference(reference)
      if (Option.isNone(booking) || !hasPassenger(booking.value, lastName)) {
        return yield* Effect.fail(new BookingNotFound({ id: reference }))
      }
      return booking.value
    })

    /** The caller's own bookings, newest first; None for a caller who has no trips (anonymous, a guest token). */
    const mine = Spans.fn("BookingQueries.mine")(function* (
      caller: Option.Option<Principal.Principal>,
      page: { readonly offset: number; readonly limit: number },
    ) {
      const owner = BookingAccess.tripsOf(caller)
      if (Option.isNone(owner)) return Option.none()
      return Option.some(yield* repository.ownedBy(owner.value, page))
    })

    /** A flight's bookings, every status, newest first (staff: the route asks `BookingAccess.staffQueries`). */
    const ofFlight = Spans.fn("BookingQueries.ofFlight")(function* (
      flightId: FlightId,
      page: { readonly offset: number; readonly limit: number },
    ) {
      return yield* repository.ofFlight(flightId, page)
    })

    /** A booking by its reference alone (staff: the route asks `BookingAccess.isStaffCaller`). */
    const byReference = Spans.fn("BookingQueries.byReference")(function* (reference: BookingReference) {
      const booking = yield* repository.findByReference(reference)
      if (Option.isNone(booking)) return yield* Effect.fail(new BookingNotFound({ id: reference }))
      return booking.value
    })

    const seatMap = Spans.fn("BookingQueries.seatMap")(function* (flightId: FlightId, cabin: Cabin) {
      return yield* repository.seatMap(flightId, cabin)
    })

    return { get, reachable, find, mine, ofFlight, byReference, seatMap } as const
  }),
}) {}
