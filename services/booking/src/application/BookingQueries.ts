/** The booking service's queries: GetBooking, FindBooking (reference and last name), GetSeatMap. */
import type { BookingId, BookingReference, Cabin, FlightId } from "@flight/contracts"
import { Effect, Option } from "effect"
import { hasPassenger } from "../domain/Booking.ts"
import { BookingNotFound, BookingRepository } from "../domain/BookingRepository.ts"

export class BookingQueries extends Effect.Service<BookingQueries>()("booking/BookingQueries", {
  effect: Effect.gen(function* () {
    const repository = yield* BookingRepository

    const get = Effect.fn("BookingQueries.get")(function* (id: BookingId) {
      return yield* Effect.flatMap(repository.get(id), Option.match({
        onNone: () => Effect.fail(new BookingNotFound({ id })),
        onSome: Effect.succeed,
      }))
    })

    /** As at an airline: the reference alone reveals nothing; a passenger's last name must match. */
    const find = Effect.fn("BookingQueries.find")(function* (reference: BookingReference, lastName: string) {
      const booking = yield* repository.findByReference(reference)
      if (Option.isNone(booking) || !hasPassenger(booking.value, lastName)) {
        return yield* Effect.fail(new BookingNotFound({ id: reference }))
      }
      return booking.value
    })

    const seatMap = Effect.fn("BookingQueries.seatMap")(function* (flightId: FlightId, cabin: Cabin) {
      return yield* repository.seatMap(flightId, cabin)
    })

    return { get, find, seatMap } as const
  }),
}) {}
