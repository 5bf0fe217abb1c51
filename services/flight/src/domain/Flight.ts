/**
 * A flight of the catalogue: what is scheduled (number, route, times, aircraft, cabins), its
 * operational status, and how many seats each cabin still has (a read model that the booking
 * events keep; see `Availability`). The rules are pure functions over these values.
 */
import {
  Aircraft,
  Cabin,
  CabinLayout,
  FlightId,
  FlightNumber,
  FlightStatus,
  FreeText,
  IataCode,
  SeatNumber,
  SchemaClass,
  StatusReason,
} from "@flight/contracts"
import { Array as Arr, DateTime, Either, Option, Schema } from "effect"

/** A calendar day in UTC, `YYYY-MM-DD`: how flights are searched and how a flight number is made unique. */
const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

/** `YYYY-MM-DD` naming a day of the (proleptic) Gregorian calendar, counted without building a Date. */
const isCalendarDay = (day: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false
  const month = Number(day.slice(5, 7))
  const date = Number(day.slice(8, 10))
  return month >= 1 && month <= 12 && date >= 1 &&
    date <= (month === 2 && isLeapYear(Number(day.slice(0, 4))) ? 29 : daysInMonth[month - 1]!)
}

export const Day = Schema.String.pipe(
  Schema.filter(isCalendarDay),
  Schema.brand("Day"),
  Schema.annotations({
    identifier: "Day",
    description: "a UTC calendar day, YYYY-MM-DD",
    message: () => ({ message: "must be a calendar day, YYYY-MM-DD", override: true }),
  }),
)
export type Day = typeof Day.Type

export const dayOf = (at: DateTime.Utc): Day => DateTime.formatIso(at).slice(0, 10) as Day

/** A cabin's seats: its capacity and how many are neither held nor sold. */
export const CabinAvailability = Schema.Struct({
  cabin: Cabin,
  capacity: Schema.Int.pipe(Schema.positive()),
  available: Schema.Int.pipe(Schema.nonNegative()),
}).annotations({ identifier: "CabinAvailability" })
export type CabinAvailability = typeof CabinAvailability.Type

const rowsOverlap = (a: CabinLayout["rows"], b: CabinLayout["rows"]) => a.from <= b.to && b.from <= a.to

const earliest = DateTime.unsafeMake("2000-01-01T00:00:00Z")
const latest = DateTime.unsafeMake("9999-12-31T23:59:59.999Z")
const withinYears = (at: DateTime.Utc) => DateTime.between(at, { minimum: earliest, maximum: latest })

/** A later departure than this is not a delay but another flight. */
export const maximumDelayDays = 7

/** The cross-field rules of a schedule, each reported at the field a client would correct. */
const scheduleIssues = (schedule: {
  readonly origin: string
  readonly destination: string
  readonly departureAt: DateTime.Utc
  readonly arrivalAt: DateTime.Utc
  readonly cabins: ReadonlyArray<CabinLayout>
}): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  for (const field of ["departureAt", "arrivalAt"] as const) {
    if (!withinYears(schedule[field])) {
      issues.push({ path: [field], message: "must be between the years 2000 and 9999" })
    }
  }
  if (schedule.origin === schedule.destination) {
    issues.push({ path: ["destination"], message: "must differ from origin" })
  }
  if (!DateTime.greaterThan(schedule.arrivalAt, schedule.departureAt)) {
    issues.push({ path: ["arrivalAt"], message: "must be after departureAt" })
  }
  schedule.cabins.forEach((layout, index) => {
    if (layout.rows.from > layout.rows.to) {
      issues.push({ path: ["cabins", index, "rows"], message: "from must not be greater than to" })
    }
    if (new Set(layout.seatLetters).size !== layout.seatLetters.length) {
      issues.push({ path: ["cabins", index, "seatLetters"], message: "must not repeat a letter" })
    }
    const earlier = schedule.cabins.slice(0, index)
    const sameCabin = earlier.findIndex((other) => other.cabin === layout.cabin)
    if (sameCabin >= 0) {
      issues.push({ path: ["cabins", index, "cabin"], message: `is already given at cabins.${sameCabin}` })
    }
    const overlapping = earlier.findIndex((other) => rowsOverlap(other.rows, layout.rows))
    if (overlapping >= 0) {
      issues.push({ path: ["cabins", index, "rows"], message: `overlap the rows of cabins.${overlapping}` })
    }
  })
  return issues
}

/**
 * What scheduling a flight takes, with its rules: origin and destination differ, arrival is after
 * departure, each cabin class appears once, rows run forwards and no two cabins share a row, and a
 * cabin's seat letters do not repeat. Fares are Money (integer minor units).
 */
export const FlightSchedule = Schema.Struct({
  flightNumber: FlightNumber,
  origin: IataCode,
  destination: IataCode,
  departureAt: Schema.DateTimeUtc,
  arrivalAt: Schema.DateTimeUtc,
  aircraft: Aircraft,
  cabins: Schema.NonEmptyArray(CabinLayout).pipe(Schema.maxItems(4)),
}).pipe(
  Schema.filter((schedule) => scheduleIssues(schedule)),
  Schema.annotations({ identifier: "FlightSchedule" }),
)
export type FlightSchedule = typeof FlightSchedule.Type

export class Flight extends Schema.Class<Flight>("Flight")({
  id: FlightId,
  flightNumber: FlightNumber,
  origin: IataCode,
  destination: IataCode,
  /** The departure as first scheduled: with the flight number, it names the flight. */
  scheduledDepartureAt: Schema.DateTimeUtc,
  /** The departure now expected (later than scheduled once delayed). */
  departureAt: Schema.DateTimeUtc,
  arrivalAt: Schema.DateTimeUtc,
  aircraft: Aircraft,
  cabins: Schema.NonEmptyArray(CabinLayout),
  status: FlightStatus,
  statusReason: Schema.NullOr(StatusReason),
  availability: Schema.NonEmptyArray(CabinAvailability),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
  /** Counts the changes; a write names the version it read, so concurrent changes cannot cross. */
  version: Schema.Int.pipe(Schema.positive()),
}) {}

/** The seats of one cabin, row by row, in letter order: `12A, 12B, ... 13A, ...`. */
export const seatsOf = (layout: CabinLayout): Array<SeatNumber> => {
  const seats: Array<SeatNumber> = []
  for (let row = layout.rows.from; row <= layout.rows.to; row++) {
    for (const letter of layout.seatLetters) seats.push(SeatNumber.make(`${row}${letter}`))
  }
  return seats
}

export const capacityOf = (layout: CabinLayout): number => (layout.rows.to - layout.rows.from + 1) * layout.seatLetters.length

/** The seat map a schedule implies: each cabin with all its seats. */
export const seatMap = (cabins: ReadonlyArray<CabinLayout>) =>
  cabins.map((layout) => ({ cabin: layout.cabin, seats: seatsOf(layout) }))

/** A flight with its fields checked by a parser built once (`SchemaClass.maker`). */
const makeFlight = SchemaClass.maker(Flight)

/** A newly scheduled flight: status scheduled, every seat available. */
export const schedule = (id: FlightId, schedule: FlightSchedule, now: DateTime.Utc): Flight =>
  makeFlight({
    id,
    flightNumber: schedule.flightNumber,
    origin: schedule.origin,
    destination: schedule.destination,
    scheduledDepartureAt: schedule.departureAt,
    departureAt: schedule.departureAt,
    arrivalAt: schedule.arrivalAt,
    aircraft: schedule.aircraft,
    cabins: schedule.cabins,
    status: "scheduled",
    statusReason: null,
    availability: Arr.map(schedule.cabins, (layout) => ({
      cabin: layout.cabin,
      capacity: capacityOf(layout),
      available: capacityOf(layout),
    })),
    createdAt: now,
    updatedAt: now,
    version: 1,
  })

/** The day a flight is known by (with its number): the UTC day of its scheduled departure. */
export const flightDate = (flight: Flight): Day => dayOf(flight.scheduledDepartureAt)

/** Whether the flight can still be booked: neither gone nor cancelled. */
export const isBookable = (flight: Flight): boolean => flight.status === "scheduled" || flight.status === "delayed"

export const availabilityOf = (flight: Flight, cabin: Cabin): Option.Option<CabinAvailability> =>
  Option.fromNullable(flight.availability.find((entry) => entry.cabin === cabin))

// -------------------------------------------------------------------------------------------------
// Status

/** The status machine: from each status, where a flight may go. */
export const allowedTransitions: { readonly [S in FlightStatus]: ReadonlyArray<FlightStatus> } = {
  scheduled: ["delayed", "boarding", "cancelled"],
  delayed: ["boarding", "cancelled", "delayed"],
  boarding: ["departed"],
  departed: ["arrived"],
  arrived: [],
  cancelled: [],
}

export const canTransition = (from: FlightStatus, to: FlightStatus): boolean => allowedTransitions[from].includes(to)

export class FlightNotFound extends Schema.TaggedError<FlightNotFound>()("FlightNotFound", { id: FlightId }) {
  override get message() {
    return `No flight ${this.id}`
  }
}

/** What a read of flight `id` found, or FlightNotFound when it found nothing. */
export const found = (id: FlightId) => <A>(read: Option.Option<A>): Either.Either<A, FlightNotFound> =>
  Either.fromOption(read, () => new FlightNotFound({ id }))

export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  from: FlightStatus,
  to: FlightStatus,
}) {
  override get message() {
    const allowed = allowedTransitions[this.from]
    return `A ${this.from} flight cannot become ${this.to}` +
      (allowed.length === 0 ? ` (${this.from} is final)` : ` (allowed: ${allowed.join(", ")})`)
  }
}

/** A status change whose fields do not fit the status it asks for (e.g. a delay without a new time). */
export class InvalidStatusChange extends Schema.TaggedError<InvalidStatusChange>()("InvalidStatusChange", {
  field: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.field} ${this.reason}`
  }
}

export interface StatusChange {
  readonly status: FlightStatus
  readonly reason: Option.Option<string>
  /** The new departure; required for, and only for, a delay. */
  readonly departureAt: Option.Option<DateTime.Utc>
}

/**
 * Moves a flight along the status machine. A delay names the new departure, later than the one
 * first scheduled; the arrival moves by as much as the departure does.
 */
export const changeStatus = (
  flight: Flight,
  change: StatusChange,
  now: DateTime.Utc,
): Either.Either<Flight, InvalidTransition | InvalidStatusChange> => {
  if (!canTransition(flight.status, change.status)) {
    return Either.left(new InvalidTransition({ from: flight.status, to: change.status }))
  }
  if (Option.isSome(change.reason) && !Schema.is(StatusReason)(change.reason.value)) {
    return Either.left(new InvalidStatusChange({
      field: "reason",
      reason: FreeText.issueOf(change.reason.value) ?? "must be at most 500 characters",
    }))
  }
  if (change.status !== "delayed") {
    return Option.isSome(change.departureAt)
      ? Either.left(new InvalidStatusChange({ field: "departureAt", reason: "is only given with status delayed" }))
      : Either.right(updated(flight, { status: change.status, statusReason: Option.getOrNull(change.reason) }, now))
  }
  if (Option.isNone(change.departureAt)) {
    return Either.left(new InvalidStatusChange({ field: "departureAt", reason: "is required with status delayed" }))
  }
  const departureAt = change.departureAt.value
  if (!DateTime.greaterThan(departureAt, flight.scheduledDepartureAt)) {
    return Either.left(new InvalidStatusChange({
      field: "departureAt",
      reason: `must be after the scheduled departure ${DateTime.formatIso(flight.scheduledDepartureAt)}`,
    }))
  }
  if (DateTime.greaterThan(departureAt, DateTime.add(flight.scheduledDepartureAt, { days: maximumDelayDays }))) {
    return Either.left(new InvalidStatusChange({
      field: "departureAt",
      reason: `must be at most ${maximumDelayDays} days after the scheduled departure; cancel the flight and schedule a new one`,
    }))
  }
  const arrivalAt = DateTime.add(flight.arrivalAt, { millis: DateTime.distance(flight.departureAt, departureAt) })
  if (!withinYears(departureAt) || !withinYears(arrivalAt)) {
    return Either.left(new InvalidStatusChange({ field: "departureAt", reason: "must be between the years 2000 and 9999" }))
  }
  return Either.right(updated(flight, {
    status: "delayed",
    statusReason: Option.getOrNull(change.reason),
    departureAt,
    arrivalAt,
  }, now))
}

/** The flight with some fields changed: one version later, updated now. */
export const updated = (flight: Flight, fields: Partial<Omit<Flight, "id" | "version" | "updatedAt">>, now: DateTime.Utc): Flight =>
  makeFlight({ ...flight, ...fields, updatedAt: now, version: flight.version + 1 })
