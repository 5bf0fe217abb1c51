/**
 * Seat availability as the flight service sees it: a read model of the booking service's inventory,
 * kept from `booking.created`, `booking.confirmed` and `booking.cancelled`.
 *
 * Each booking is remembered in a ledger with the seats it takes, so that every event is applied
 * once per booking, in any order and however often it arrives: a redelivered event finds the
 * booking already in that state; a `booking.cancelled` that overtakes its `booking.created` marks
 * the booking released, and the late `booking.created` then takes nothing.
 */
import { BookingId, Cabin } from "@flight/contracts"
import { Array as Arr, Either, Option, Schema } from "effect"
import type { CabinAvailability, Flight } from "./Flight.ts"

/** held: created, pending payment; sold: confirmed; released: cancelled or expired (final). */
export const LedgerState = Schema.Literal("held", "sold", "released")
export type LedgerState = typeof LedgerState.Type

export const LedgerEntry = Schema.Struct({
  state: LedgerState,
  cabin: Cabin,
  seats: Schema.Int.pipe(Schema.positive()),
}).annotations({ identifier: "LedgerEntry" })
export type LedgerEntry = typeof LedgerEntry.Type

export type BookingEventKind = "created" | "confirmed" | "cancelled"

/** What a booking event says about a flight's seats. */
export interface BookingChange {
  readonly kind: BookingEventKind
  readonly bookingId: BookingId
  readonly cabin: Cabin
  readonly seats: number
}

export class UnknownCabin extends Schema.TaggedError<UnknownCabin>()("UnknownCabin", {
  cabin: Cabin,
  bookingId: BookingId,
}) {
  override get message() {
    return `booking ${this.bookingId} is for the ${this.cabin} cabin, which the flight does not have`
  }
}

/** The booking service holds more seats than the flight has left: the two disagree, which needs a look. */
export class AvailabilityExceeded extends Schema.TaggedError<AvailabilityExceeded>()("AvailabilityExceeded", {
  cabin: Cabin,
  bookingId: BookingId,
  requested: Schema.Int,
  available: Schema.Int,
}) {
  override get message() {
    return `booking ${this.bookingId} takes ${this.requested} ${this.cabin} seats, but only ${this.available} are available`
  }
}

/** The ledger's next state for a booking, and the seats that move: negative taken, positive given back. */
const step = (current: Option.Option<LedgerState>, kind: BookingEventKind): Option.Option<{
  readonly state: LedgerState
  readonly delta: -1 | 0 | 1
}> => {
  if (Option.isNone(current)) {
    switch (kind) {
      case "created":
        return Option.some({ state: "held", delta: -1 })
      case "confirmed":
        return Option.some({ state: "sold", delta: -1 })
      case "cancelled":
        // Overtook its booking.created: nothing was taken, and nothing will be.
        return Option.some({ state: "released", delta: 0 })
    }
  }
  switch (current.value) {
    case "held":
      return kind === "confirmed"
        ? Option.some({ state: "sold", delta: 0 })
        : kind === "cancelled"
        ? Option.some({ state: "released", delta: 1 })
        : Option.none()
    case "sold":
      return kind === "cancelled" ? Option.some({ state: "released", delta: 1 }) : Option.none()
    case "released":
      return Option.none()
  }
}

export interface Applied {
  /** The booking's ledger entry after the event. */
  readonly entry: LedgerEntry
  readonly availability: Flight["availability"]
  /** Whether the seats available changed (and `flight.seats-updated` is due). */
  readonly seatsChanged: boolean
}

/**
 * Applies one booking event to a flight's availability, given what the ledger knows of the booking.
 * None when the event changes nothing (a redelivery, or an event a later one already overtook).
 */
export const apply = (
  availability: Flight["availability"],
  known: Option.Option<LedgerEntry>,
  change: BookingChange,
): Either.Either<Option.Option<Applied>, UnknownCabin | AvailabilityExceeded> => {
  const next = step(Option.map(known, (entry) => entry.state), change.kind)
  if (Option.isNone(next)) return Either.right(Option.none())
  // The ledger's cabin and seat count are those first recorded: a release gives back what was taken.
  const cabin = Option.match(known, { onNone: () => change.cabin, onSome: (entry) => entry.cabin })
  const seats = Option.match(known, { onNone: () => change.seats, onSome: (entry) => entry.seats })
  const index = availability.findIndex((entry) => entry.cabin === cabin)
  if (index < 0) return Either.left(new UnknownCabin({ cabin, bookingId: change.bookingId }))
  const current: CabinAvailability = availability[index]!
  const available = current.available + next.value.delta * seats
  if (available < 0) {
    return Either.left(new AvailabilityExceeded({ cabin, bookingId: change.bookingId, requested: seats, available: current.available }))
  }
  return Either.right(Option.some({
    entry: { state: next.value.state, cabin, seats },
    availability: next.value.delta === 0 ? availability : Arr.replace(availability, index, { ...current, available }),
    seatsChanged: next.value.delta !== 0,
  }))
}
