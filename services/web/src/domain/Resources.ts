/**
 * What the APIs answer, as far as the pages read it (DESIGN §3). The services validate and own
 * these shapes; the web service only shows them.
 */
export interface Money {
  readonly amount: number
  readonly currency: string
}

export interface CabinView {
  readonly cabin: string
  readonly rows: { readonly from: number; readonly to: number }
  readonly seatLetters: string
  readonly fare: Money
  readonly capacity: number
  readonly availableSeats: number
}

export interface Flight {
  readonly id: string
  readonly flightNumber: string
  readonly origin: string
  readonly destination: string
  readonly departureAt: string
  readonly arrivalAt: string
  readonly scheduledDepartureAt: string
  readonly aircraft: string
  readonly status: string
  readonly statusReason: string | null
  readonly cabins: ReadonlyArray<CabinView>
}

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor: string | null
}

export type SeatState = "free" | "held" | "sold"

export interface SeatMap {
  readonly flightId: string
  readonly cabin: string
  readonly seats: ReadonlyArray<{ readonly seat: string; readonly state: SeatState }>
}

export interface Booking {
  readonly id: string
  readonly reference: string
  readonly status: "pending" | "confirmed" | "cancelled" | "expired"
  readonly flightId: string
  readonly cabin: string
  readonly passengers: ReadonlyArray<{ readonly firstName: string; readonly lastName: string; readonly seat: string }>
  readonly contact: { readonly email: string; readonly phone?: string }
  readonly total: Money
  readonly holdExpiresAt: string
  readonly paymentId: string | null
  readonly cancellationReason: string | null
  readonly createdAt: string
}

export interface CreatedBooking extends Booking {
  readonly accessToken: string
}

export interface Payment {
  readonly id: string
  readonly type?: "charge" | "refund"
  readonly status: string
  readonly amount: Money
  readonly failureReason?: string | null
  readonly createdAt?: string
}

export interface Notification {
  readonly id: string
  readonly bookingId: string | null
  readonly channel: string
  readonly recipient: string
  readonly template: string
  readonly subject: string
  readonly status: string
  readonly createdAt: string
}

/** A booking with what happened to it: its payments and refunds, its notifications (its saga, as a person sees it). */
export interface BookingStory {
  readonly booking: Booking
  readonly flight: Flight | null
  readonly payments: ReadonlyArray<Payment>
  readonly notifications: ReadonlyArray<Notification>
}

/** Whether a booking's page should keep asking for news soon: its status or a refund is about to change. */
export const unsettled = (story: BookingStory): boolean =>
  story.booking.status === "pending" ||
  (story.booking.status === "cancelled" && story.booking.paymentId !== null &&
    !story.payments.some((payment) => payment.type === "refund" && payment.status === "succeeded"))

/**
 * How often a booking's open page asks for news, in seconds: soon while it is about to change; now
 * and then while it is confirmed (its flight may be delayed or cancelled); never once it has ended.
 */
export const pollSeconds = (story: BookingStory): number | null =>
  unsettled(story) ? 2 : story.booking.status === "confirmed" ? 10 : null
