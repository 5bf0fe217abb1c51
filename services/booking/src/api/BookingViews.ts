/**
 * The booking service's representations on the wire: what its routes accept and answer, as
 * Schemas (the OpenAPI document is generated from them).
 */
import {
  BookingId,
  BookingReference,
  Cabin,
  Contact,
  FlightId,
  Money,
  Passenger,
  PaymentId,
  PersonName,
  SeatNumber,
} from "@flight/contracts"
import { Paging } from "@flight/runtime"
import { Schema } from "effect"
import { type Booking, BookingStatus, CancellationReason } from "../domain/Booking.ts"
import { encodedBooking } from "../domain/BookingJson.ts"
import { SeatState } from "../domain/SeatInventory.ts"

export const BookingView = Schema.Struct({
  id: BookingId,
  reference: BookingReference,
  status: BookingStatus,
  flightId: FlightId,
  cabin: Cabin,
  passengers: Schema.Array(Passenger),
  contact: Contact,
  total: Money,
  holdExpiresAt: Schema.DateTimeUtc,
  paymentId: Schema.NullOr(PaymentId),
  cancellationReason: Schema.NullOr(CancellationReason),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
}).annotations({ identifier: "Booking" })

export const viewOf = (booking: Booking): typeof BookingView.Type => ({
  id: booking.id,
  reference: booking.reference,
  status: booking.status,
  flightId: booking.flightId,
  cabin: booking.cabin,
  passengers: booking.passengers,
  contact: booking.contact,
  total: booking.total,
  holdExpiresAt: booking.holdExpiresAt,
  paymentId: booking.paymentId,
  cancellationReason: booking.cancellationReason,
  createdAt: booking.createdAt,
  updatedAt: booking.updatedAt,
})

/** What `Schema.encodeSync(BookingView)` answers for `viewOf(booking)`, without checking the booking's fields again (see `BookingJson`). */
export const encodedView = (booking: Booking): typeof BookingView.Encoded => {
  const encoded = encodedBooking(booking)
  return {
    id: encoded.id,
    reference: encoded.reference,
    status: encoded.status,
    flightId: encoded.flightId,
    cabin: encoded.cabin,
    passengers: encoded.passengers,
    contact: encoded.contact,
    total: encoded.total,
    holdExpiresAt: encoded.holdExpiresAt,
    paymentId: encoded.paymentId,
    cancellationReason: encoded.cancellationReason,
    createdAt: encoded.createdAt,
    updatedAt: encoded.updatedAt,
  }
}

export const AccessToken = Schema.String.annotations({
  description: "A guest token scoped to this booking (decision 17): send it as `Authorization: Bearer` to read, cancel or pay for it",
})

/** A new booking, with a token scoped to it: a guest's only way back to it besides `manage`. */
export const CreatedBookingView = Schema.extend(BookingView, Schema.Struct({ accessToken: AccessToken })).annotations({
  identifier: "CreatedBooking",
})

/** What `manage` answers: the booking and a token scoped to it. */
export const ManagedBookingView = Schema.Struct({ booking: BookingView, accessToken: AccessToken }).annotations({
  identifier: "ManagedBooking",
})

export const ManageBookingBody = Schema.Struct({ reference: BookingReference, lastName: PersonName })

export const JwksView = Schema.Struct({
  keys: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
}).annotations({ identifier: "JWKS" })

export const BookingsQuery = Schema.Struct({
  flightId: Schema.optional(FlightId),
  reference: Schema.optional(BookingReference),
  lastName: Schema.optional(PersonName),
  mine: Schema.optional(Schema.Literal("true")),
  ...Paging.offsetFields,
})

/** A page of bookings: "my trips", or a flight's for staff. */
export const BookingsPage = Paging.page(BookingView, Paging.OffsetCursor).annotations({ identifier: "BookingsPage" })

export const CreateBookingBody = Schema.Struct({
  flightId: FlightId,
  cabin: Cabin,
  passengers: Schema.Array(Schema.Struct({
    firstName: PersonName,
    lastName: PersonName,
    seat: Schema.optional(SeatNumber),
  })).pipe(Schema.minItems(1), Schema.maxItems(9)),
  contact: Contact,
})

export const SeatMapView = Schema.Struct({
  flightId: FlightId,
  cabin: Cabin,
  seats: Schema.Array(Schema.Struct({ seat: SeatNumber, state: SeatState })),
}).annotations({ identifier: "SeatMap" })

export const IdParams = Schema.Struct({ id: BookingId })
