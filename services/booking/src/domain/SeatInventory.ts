/**
 * The seats of a flight as the booking service sells them, seeded from `flight.scheduled`: each
 * cabin's layout and fare, and each seat free, held (by a pending booking) or sold.
 *
 * `allocate` is the rule for choosing seats, shared by every adapter (the Redis script implements
 * the same steps): named seats must be free; the others go together, first as a run of adjacent
 * letters in one row, else all in one row, else the first free seats from the front.
 */
import { Cabin, CabinLayout, FlightId, FlightNumber, FlightStatus, SeatNumber } from "@flight/contracts"
import { Either, Option, Schema } from "effect"

export const SeatState = Schema.Literal("free", "held", "sold")
export type SeatState = typeof SeatState.Type

/** A flight as far as selling its seats goes. */
export class FlightSeating extends Schema.Class<FlightSeating>("FlightSeating")({
  flightId: FlightId,
  flightNumber: FlightNumber,
  departureAt: Schema.DateTimeUtc,
  status: FlightStatus,
  cabins: Schema.NonEmptyArray(CabinLayout),
}) {}

export const bookable = (seating: FlightSeating) => seating.status === "scheduled" || seating.status === "delayed"

/** How far along a flight is: a status change never goes back (messages may arrive late or twice). */
export const statusRank: { readonly [S in FlightStatus]: number } = {
  scheduled: 0,
  delayed: 0,
  boarding: 1,
  departed: 2,
  arrived: 3,
  cancelled: 4,
}

/** Whether `next` may replace `current`: not backwards, and nothing after cancelled or arrived. */
export const supersedes = (current: FlightStatus, next: FlightStatus): boolean =>
  current !== "cancelled" && current !== "arrived" && statusRank[next] >= statusRank[current]

/** The largest total a booking may have (Money's bound): fares times passengers above it are refused. */
export const maximumTotal = Number.MAX_SAFE_INTEGER

export class TotalTooLarge extends Schema.TaggedError<TotalTooLarge>()("TotalTooLarge", {
  cabin: Cabin,
  passengers: Schema.Int,
}) {
  override get message() {
    return `${this.passengers} ${this.cabin} fares exceed the largest amount a booking can have`
  }
}

export const layoutOf = (seating: FlightSeating, cabin: Cabin): Option.Option<CabinLayout> =>
  Option.fromNullable(seating.cabins.find((layout) => layout.cabin === cabin))

/** The rows of a cabin, front to back, each with its seats in letter order. */
export const rowsOf = (layout: CabinLayout): Array<Array<SeatNumber>> => {
  const rows: Array<Array<SeatNumber>> = []
  for (let row = layout.rows.from; row <= layout.rows.to; row++) {
    // Valid by construction (a row 1-999 and a letter A-Z): no need to check each one again.
    rows.push(Array.from(layout.seatLetters, (letter) => `${row}${letter}` as SeatNumber))
  }
  return rows
}

export const seatsOf = (layout: CabinLayout): Array<SeatNumber> => rowsOf(layout).flat()

export class SeatsUnavailable extends Schema.TaggedError<SeatsUnavailable>()("SeatsUnavailable", {
  flightId: FlightId,
  cabin: Cabin,
  /** The named seats that are taken; empty when there are not enough free seats. */
  seats: Schema.Array(SeatNumber),
  requested: Schema.Int,
  available: Schema.Int,
}) {
  override get message() {
    return this.seats.length > 0
      ? `Seat${this.seats.length > 1 ? "s" : ""} ${this.seats.join(", ")} ${this.seats.length > 1 ? "are" : "is"} not free`
      : `${this.requested} ${this.cabin} seat${this.requested > 1 ? "s" : ""} requested, ${this.available} free`
  }
}

/** A named seat that the cabin does not have (an input error, not a conflict). */
export class SeatNotInCabin extends Schema.TaggedError<SeatNotInCabin>()("SeatNotInCabin", {
  seat: SeatNumber,
  cabin: Cabin,
  passenger: Schema.Int,
}) {
  override get message() {
    return `there is no seat ${this.seat} in the ${this.cabin} cabin`
  }
}

export class SeatRequestedTwice extends Schema.TaggedError<SeatRequestedTwice>()("SeatRequestedTwice", {
  seat: SeatNumber,
  passenger: Schema.Int,
}) {
  override get message() {
    return `seat ${this.seat} is requested for another passenger too`
  }
}

/** Whether the cabin has the seat: its row within the cabin's rows, its letter among the cabin's letters. */
export const hasSeat = (layout: CabinLayout, seat: SeatNumber): boolean => {
  const row = Number(seat.slice(0, -1))
  return row >= layout.rows.from && row <= layout.rows.to && layout.seatLetters.includes(seat.slice(-1))
}

/** Checks the named seats against the layout: they exist in the cabin and are named once. */
export const checkRequested = (
  layout: CabinLayout,
  requested: ReadonlyArray<SeatNumber | undefined>,
): Either.Either<void, SeatNotInCabin | SeatRequestedTwice> => {
  const seen = new Set<string>()
  for (const [passenger, seat] of requested.entries()) {
    if (seat === undefined) continue
    if (!hasSeat(layout, seat)) return Either.left(new SeatNotInCabin({ seat, cabin: layout.cabin, passenger }))
    if (seen.has(seat)) return Either.left(new SeatRequestedTwice({ seat, passenger }))
    seen.add(seat)
  }
  return Either.void
}

/**
 * Chooses the seats of a party, one per passenger in order: a named seat as named (it must be
 * free), the others together (see the module's comment). Fails when a named seat is taken or there
 * are not enough free seats.
 */
export const allocate = (
  flightId: FlightId,
  layout: CabinLayout,
  isFree: (seat: SeatNumber) => boolean,
  requested: ReadonlyArray<SeatNumber | undefined>,
): Either.Either<Array<SeatNumber>, SeatsUnavailable> => {
  const all = seatsOf(layout)
  const free = all.filter(isFree)
  const unavailable = (seats: ReadonlyArray<SeatNumber>) =>
    Either.left(new SeatsUnavailable({ flightId, cabin: layout.cabin, seats, requested: requested.length, available: free.length }))
  const named = requested.filter((seat): seat is SeatNumber => seat !== undefined)
  const taken = named.filter((seat) => !isFree(seat))
  if (taken.length > 0) return unavailable(taken)
  const wanted = requested.length - named.length
  const namedSet = new Set<string>(named)
  const open = (seat: SeatNumber) => isFree(seat) && !namedSet.has(seat)
  const rows = rowsOf(layout)
  const pick = (): Array<SeatNumber> | undefined => {
    if (wanted === 0) return []
    for (const row of rows) {
      for (let start = 0; start + wanted <= row.length; start++) {
        const run = row.slice(start, start + wanted)
        if (run.every(open)) return run
      }
    }
    for (const row of rows) {
      const inRow = row.filter(open)
      if (inRow.length >= wanted) return inRow.slice(0, wanted)
    }
    const anywhere = all.filter(open)
    return anywhere.length >= wanted ? anywhere.slice(0, wanted) : undefined
  }
  const chosen = pick()
  if (chosen === undefined) return unavailable([])
  let next = 0
  return Either.right(requested.map((seat) => seat ?? chosen[next++]!))
}
