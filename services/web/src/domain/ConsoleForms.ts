/** The operations console's forms (schedule, delay, cancel, find a booking, list a day's flights): their rules, pure. */
import * as V from "./Validation.ts"

/** A new flight has at most this many cabins, one per class. */
export const cabinSlots = 4

export interface CabinPlan {
  readonly cabin: V.Cabin
  readonly rows: { readonly from: number; readonly to: number }
  readonly seatLetters: string
  readonly fare: { readonly amount: number; readonly currency: string }
}

export interface Schedule {
  readonly flightNumber: string
  readonly origin: string
  readonly destination: string
  readonly departureAt: string
  readonly arrivalAt: string
  readonly aircraft: string
  readonly cabins: ReadonlyArray<CabinPlan>
}

const slotUsed = (fields: V.Fields, slot: number): boolean =>
  ["rowsFrom", "rowsTo", "letters", "fare"].some((name) => V.text(fields, `${name}${slot}`) !== "")

export const schedule = (fields: V.Fields): V.Checked<Schedule> => {
  const errors = new V.Errors()
  const flightNumber = V.flightNumber(errors, "flightNumber", V.text(fields, "flightNumber"))
  const origin = V.airport(errors, "origin", V.text(fields, "origin"))
  const destination = V.airport(errors, "destination", V.text(fields, "destination"))
  if (origin !== "" && origin === destination) errors.add("destination", "The destination must differ from the origin")
  const departureAt = V.utcTime(errors, "departureAt", V.text(fields, "departureAt"))
  const arrivalAt = V.utcTime(errors, "arrivalAt", V.text(fields, "arrivalAt"))
  if (!errors.found["departureAt"] && !errors.found["arrivalAt"] && Date.parse(arrivalAt) <= Date.parse(departureAt)) {
    errors.add("arrivalAt", "The arrival must be after the departure")
  }
  const aircraft = V.text(fields, "aircraft")
  if (aircraft === "" || aircraft.length > 100 || /[\p{Cc}\p{Cf}]/u.test(aircraft)) errors.add("aircraft", "Enter the aircraft, e.g. Boeing 777")
  const currency = V.text(fields, "currency").toUpperCase() || "GBP"
  if (!/^[A-Z]{3}$/.test(currency)) errors.add("currency", "Enter a three-letter currency code, e.g. GBP")
  const cabins: Array<CabinPlan> = []
  const taken: Array<{ readonly slot: number; readonly from: number; readonly to: number }> = []
  for (let slot = 0; slot < cabinSlots; slot++) {
    if (!slotUsed(fields, slot)) continue
    const cabin = V.cabin(errors, `cabin${slot}`, V.text(fields, `cabin${slot}`))
    const from = V.wholeNumber(errors, `rowsFrom${slot}`, V.text(fields, `rowsFrom${slot}`), 1, 999, "a first row")
    const to = V.wholeNumber(errors, `rowsTo${slot}`, V.text(fields, `rowsTo${slot}`), 1, 999, "a last row")
    if (from > to) errors.add(`rowsTo${slot}`, "The last row must not come before the first")
    const overlap = taken.find((other) => from <= other.to && other.from <= to)
    if (overlap !== undefined) errors.add(`rowsFrom${slot}`, `These rows overlap the rows of cabin ${overlap.slot + 1}`)
    taken.push({ slot, from, to })
    if (cabins.some((other) => other.cabin === cabin)) errors.add(`cabin${slot}`, "Each class may be given once")
    const letters = V.text(fields, `letters${slot}`).toUpperCase().replace(/\s/g, "")
    if (!/^[A-Z]{1,10}$/.test(letters) || new Set(letters).size !== letters.length) {
      errors.add(`letters${slot}`, "Enter the seat letters, each once, e.g. ABCDEF")
    }
    const amount = V.money(errors, `fare${slot}`, V.text(fields, `fare${slot}`))
    cabins.push({ cabin, rows: { from, to }, seatLetters: letters, fare: { amount, currency } })
  }
  if (cabins.length === 0) errors.add("cabin0", "Give at least one cabin: its class, rows, seat letters and fare")
  return errors.result(() => ({ flightNumber, origin, destination, departureAt, arrivalAt, aircraft, cabins }))
}

export interface Delay {
  readonly departureAt: string
  readonly reason?: string
}

export const delay = (fields: V.Fields): V.Checked<Delay> => {
  const errors = new V.Errors()
  const departureAt = V.utcTime(errors, "departureAt", V.text(fields, "departureAt"))
  const reason = V.reason(errors, "reason", V.text(fields, "reason"))
  return errors.result(() => reason === undefined ? { departureAt } : { departureAt, reason })
}

export const cancel = (fields: V.Fields): V.Checked<{ readonly reason?: string }> => {
  const errors = new V.Errors()
  const reason = V.reason(errors, "cancelReason", V.text(fields, "cancelReason"))
  if (V.text(fields, "confirm") !== "yes") errors.add("confirm", "Tick the box to confirm the cancellation")
  return errors.result(() => reason === undefined ? {} : { reason })
}

/** The flights of a day, of an origin and a destination when given (null when not). */
export interface Flights {
  readonly date: string
  readonly origin: string | null
  readonly destination: string | null
}

export const flights = (fields: V.Fields): V.Checked<Flights> => {
  const errors = new V.Errors()
  const airport = (field: string) => {
    const raw = V.text(fields, field)
    return raw === "" ? null : V.airport(errors, field, raw)
  }
  const origin = airport("origin")
  const destination = airport("destination")
  if (origin !== null && origin === destination) errors.add("destination", "The destination must differ from the origin")
  const date = V.day(errors, "date", V.text(fields, "date"))
  return errors.result(() => ({ date, origin, destination }))
}

/**
 * A booking by its id, or by its reference: staff need no passenger's last name, but one given must
 * match (null when none is given).
 */
export type FindBooking =
  | { readonly by: "id"; readonly id: string }
  | { readonly by: "reference"; readonly reference: string; readonly lastName: string | null }

export const findBooking = (fields: V.Fields): V.Checked<FindBooking> => {
  const errors = new V.Errors()
  const id = V.text(fields, "id").toLowerCase()
  if (id !== "") {
    if (!V.isBookingId(id)) errors.add("id", "A booking id looks like 0193e0a0-0000-7000-8000-000000000000")
    return errors.result(() => ({ by: "id" as const, id }))
  }
  const reference = V.reference(errors, "reference", V.text(fields, "reference"))
  const typed = V.text(fields, "lastName")
  const lastName = typed === "" ? null : V.personName(errors, "lastName", typed, "the last name of a passenger")
  return errors.result(() => ({ by: "reference" as const, reference, lastName }))
}
