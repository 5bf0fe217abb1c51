/**
 * How far the flight service's availability lags behind the bookings, as a client sees it. The bench
 * notes when each booking of a flight was answered (201), and reads the flight's available seats
 * from time to time; a reading that shows k seats taken is as far behind as the time since the
 * (k+1)-th booking was answered: it shows what the bookings were just before that one. A reading that
 * shows every booking is not behind.
 *
 * One seat a booking: the bench books one passenger at a time, and nothing it books is released
 * while it runs (a hold outlives the run).
 */

/** The lag (ms) of a reading at `at` that shows `shown` seats taken, given when each booking was answered (in order). */
export const lagOf = (answered: ReadonlyArray<number>, shown: number, at: number): number =>
  shown >= answered.length ? 0 : Math.max(0, at - answered[Math.max(0, shown)]!)

export interface Tracker {
  /** A booking of `flightId` was answered at `at` (ms, `performance.now()`). */
  readonly booked: (flightId: string, at: number) => void
  /** A reading of `flightId` at `at` showed `shown` seats taken. */
  readonly read: (flightId: string, shown: number, at: number) => void
  /** Every reading's lag (ms), in the order they were taken. */
  readonly lags: () => ReadonlyArray<number>
}

export const tracker = (): Tracker => {
  const answered = new Map<string, Array<number>>()
  const lags: Array<number> = []
  return {
    booked: (flightId, at) => {
      const times = answered.get(flightId)
      if (times === undefined) answered.set(flightId, [at])
      else times.push(at)
    },
    read: (flightId, shown, at) => {
      lags.push(lagOf(answered.get(flightId) ?? [], shown, at))
    },
    lags: () => lags,
  }
}

/** The seats taken in a flight as the flight API shows it (`GET /api/flights/{id}`), over its cabins. */
export const seatsTaken = (flight: { readonly cabins: ReadonlyArray<{ readonly capacity: number; readonly availableSeats: number }> }): number =>
  flight.cabins.reduce((taken, cabin) => taken + cabin.capacity - cabin.availableSeats, 0)
