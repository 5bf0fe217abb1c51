/**
 * The model of the booking store that `BookingModel.test.ts` runs beside an adapter: the flight it
 * books (one economy cabin), what the model keeps of each hold tried, and what it predicts of the
 * seats, the bookings and the holding limit.
 */
import type { BookingId, PaymentId, SeatNumber } from "@flight/contracts"
import { Option } from "effect"
import type { Booking } from "../../src/domain/Booking.ts"
import { layoutOf, seatsOf } from "../../src/domain/SeatInventory.ts"
import type { SeatPick } from "./BookingStoreCommands.ts"
import { seating } from "./Fixtures.ts"

export const economy = Option.getOrThrow(layoutOf(seating(), "economy"))

/** How many seats a holder may hold at once (the default, BOOKING_MAX_HELD_SEATS). */
export const maxHeldSeats = 9
export const cabin: ReadonlyArray<SeatNumber> = seatsOf(economy)
export const capacity = cabin.length

type Status = Booking["status"]

/** A booking as far as the model goes. */
export interface Stored {
  status: Status
  readonly seats: ReadonlyArray<SeatNumber>
  paidWith: PaymentId | null
  reason: Booking["cancellationReason"]
}

/** A hold tried in the run; `booking` is what the model says is stored (null: the hold failed). */
export interface Tracked {
  readonly id: BookingId
  readonly expiresAt: number
  readonly holders: ReadonlyArray<string>
  /** The payment a "same" confirmation sends until one confirmed the booking. */
  readonly payment: PaymentId
  booking: Stored | null
}

export interface Model {
  readonly tried: Array<Tracked>
  /** Seat -> the booking that takes it; a free seat has no entry. */
  readonly seats: Map<SeatNumber, { readonly bookingId: BookingId; state: "held" | "sold" }>
}

export const takesSeats = (status: Status) => status === "pending" || status === "confirmed"

/** The named seats of a hold, each named once (a repeat becomes "any"). */
export const resolve = (party: ReadonlyArray<SeatPick>, model: Model): Array<SeatNumber | undefined> => {
  const taken = cabin.filter((seat) => model.seats.has(seat))
  const named = new Set<SeatNumber>()
  return party.map((pick) => {
    const seat = pick.kind === "any"
      ? undefined
      : pick.kind === "seat" || taken.length === 0
      ? cabin[pick.index % capacity]!
      : taken[pick.index % taken.length]!
    if (seat === undefined || named.has(seat)) return undefined
    named.add(seat)
    return seat
  })
}

/** What the adapter keeps of a booking, to compare with the model's. */
export const summary = (booking: Booking): Stored => ({
  status: booking.status,
  seats: booking.passengers.map((passenger) => passenger.seat),
  paidWith: booking.paymentId,
  reason: booking.cancellationReason,
})

/** The seats a holder holds at `now`: its pending bookings' whose hold has not run out. */
const heldBy = (model: Model, holder: string, now: number) =>
  model.tried.reduce((sum, tracked) =>
    tracked.booking?.status === "pending" && tracked.expiresAt > now && tracked.holders.includes(holder)
      ? sum + tracked.booking.seats.length
      : sum, 0)

/**
 * The limit's answer to `seats` more for `holders` at `now`: none when they fit; otherwise the most
 * a full holder holds, and the first expiry of their holds after which the request fits them all.
 */
export const overLimit = (model: Model, holders: ReadonlyArray<string>, seats: number, now: number) => {
  const full = holders.filter((holder) => heldBy(model, holder, now) + seats > maxHeldSeats)
  if (full.length === 0) return null
  const fitsAt = (at: number) => full.every((holder) => heldBy(model, holder, at) + seats <= maxHeldSeats)
  const expiries = model.tried
    .filter((tracked) => tracked.booking?.status === "pending" && tracked.expiresAt > now && tracked.holders.some((h) => full.includes(h)))
    .map((tracked) => tracked.expiresAt)
    .toSorted((a, b) => a - b)
  return { held: Math.max(...full.map((holder) => heldBy(model, holder, now))), retryAt: expiries.find(fitsAt)! }
}

export const release = (model: Model, tracked: Tracked) => {
  for (const [seat, holder] of model.seats) if (holder.bookingId === tracked.id) model.seats.delete(seat)
}

