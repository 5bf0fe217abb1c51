/**
 * A new booking as the store is asked to hold it: the CreateBooking command, and the hold request
 * made of it once its id, reference, total and hold are known, with its `booking.created` (the
 * store fills in the seats it chooses and the total) and the holders its seats count against.
 */
import {
  type BookingId,
  type BookingReference,
  type Cabin,
  type Contact,
  Envelope,
  type FlightId,
  Messages,
  type Money,
  type SeatNumber,
} from "@flight/contracts"
import { DateTime, type Duration, Effect } from "effect"
import type { Booking, Owner } from "../domain/Booking.ts"
import type { HoldRequest } from "../domain/BookingRepository.ts"
import { holdersOf } from "../domain/HoldLimit.ts"
import type { FlightSeating } from "../domain/SeatInventory.ts"
import { outgoing, source } from "./OutgoingMessages.ts"

export interface CreateBooking {
  readonly flightId: FlightId
  readonly cabin: Cabin
  readonly passengers: ReadonlyArray<{ readonly firstName: string; readonly lastName: string; readonly seat?: SeatNumber | undefined }>
  readonly contact: Contact
  /** The customer making it (their token's `sub`); a guest's booking has none. */
  readonly owner?: Owner | null | undefined
  /** The client's address, as `ClientAddress` finds it; none when the server does not say. */
  readonly clientAddress?: string | null | undefined
}

/** What the command has settled before the hold: the booking's names, its cabin, total and hold. */
export interface Settled {
  readonly id: BookingId
  readonly reference: BookingReference
  readonly layout: FlightSeating["cabins"][number]
  readonly total: Money
  readonly now: DateTime.Utc
  /** How long the seats are held. */
  readonly holdTtl: Duration.DurationInput
  /** How many seats each holder may hold at once. */
  readonly maxSeats: number
}

/** The hold request of `request`, with its `booking.created`. */
export const holdRequestOf = (request: CreateBooking, settled: Settled): Effect.Effect<HoldRequest> =>
  Effect.gen(function* () {
    const { id, layout, now, reference, total } = settled
    const holdExpiresAt = DateTime.addDuration(now, settled.holdTtl)
    const owner = request.owner ?? null
    // Until the store chooses them, a passenger without a seat is shown on the cabin's first.
    const placeholder = layout.rows.from + layout.seatLetters[0]! as SeatNumber
    const passengers = request.passengers.map((passenger) => ({
      firstName: passenger.firstName,
      lastName: passenger.lastName,
      seat: passenger.seat ?? placeholder,
    })) as unknown as readonly [Booking["passengers"][number], ...Array<Booking["passengers"][number]>]
    const event = yield* outgoing(yield* Envelope.make(Messages.BookingCreatedV2, {
      bookingId: id,
      reference,
      flightId: request.flightId,
      cabin: request.cabin,
      seats: passengers.map((passenger) => passenger.seat) as unknown as readonly [SeatNumber, ...Array<SeatNumber>],
      passengers,
      contact: request.contact,
      total,
      holdExpiresAt,
      owner,
    }, { source, correlationId: id }))
    return {
      id,
      reference,
      flightId: request.flightId,
      cabin: request.cabin,
      passengers: request.passengers,
      contact: request.contact,
      owner,
      holdExpiresAt,
      now,
      event,
      total,
      // Each of them counts the seats on its own: the account, the contact email, the address.
      limit: {
        holders: holdersOf({ owner, email: request.contact.email, clientAddress: request.clientAddress ?? null }),
        maxSeats: settled.maxSeats,
      },
    }
  })
