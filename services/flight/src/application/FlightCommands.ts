/**
 * The flight service's commands: ScheduleFlight, ChangeFlightStatus and ApplyBookingToAvailability.
 * Each validates against the domain rules and makes one atomic write of the change and its events.
 * A change computed from a version that another writer has since replaced is computed again.
 */
import { type AnyMessage, type BookingId, Envelope, type FlightId, Messages, type MessageOf } from "@flight/contracts"
import { Idempotent, Spans, Traceparent } from "@flight/runtime"
import { DateTime, Effect, Either, Option, Schedule } from "effect"
import * as Availability from "../domain/Availability.ts"
import * as Flight from "../domain/Flight.ts"
import { FlightRepository, type FlightStoreError, type Outgoing, VersionConflict } from "../domain/FlightRepository.ts"

const source = "flight" as const

/**
 * Retries a change that lost a race with another writer of the same flight: at once, then with a
 * short jittered backoff, at most 50 times. Every retry reads the flight again.
 */
export const onVersionConflict = Schedule.exponential("2 millis").pipe(
  Schedule.jittered,
  Schedule.either(Schedule.spaced("50 millis")),
  Schedule.intersect(Schedule.recurs(50)),
)

/** `change` again from the top (its read too) while it loses a race with another writer, as `onVersionConflict` says. */
const againOnConflict = <A, E, R>(change: Effect.Effect<A, E, R>) =>
  Effect.retry(change, { schedule: onVersionConflict, while: (error) => error instanceof VersionConflict })

const outgoing = (message: AnyMessage) =>
  Effect.map(Traceparent.current, (traceparent): Outgoing => ({ message, traceparent: Option.getOrNull(traceparent) }))

/** `flight.scheduled` for a new flight: it starts the flight's saga, named by the flight's id. */
export const scheduledEvent = (flight: Flight.Flight) =>
  Envelope.make(Messages.FlightScheduled, {
    flightId: flight.id,
    flightNumber: flight.flightNumber,
    origin: flight.origin,
    destination: flight.destination,
    departureAt: flight.departureAt,
    arrivalAt: flight.arrivalAt,
    aircraft: flight.aircraft,
    cabins: flight.cabins,
  }, { source, correlationId: flight.id })

const seatsUpdatedEvent = (flightId: FlightId, availability: Flight.Flight["availability"], cause: AnyMessage) =>
  Envelope.make(Messages.FlightSeatsUpdated, {
    flightId,
    cabins: availability.map((entry) => ({
      cabin: entry.cabin,
      capacity: entry.capacity,
      availableSeats: entry.available,
    })),
  }, { source, causedBy: { id: cause.id, correlationId: cause.correlationId } })

export type BookingEvent = MessageOf<"booking.created" | "booking.confirmed" | "booking.cancelled">

/** A booking event waiting to be applied, with the trace its `flight.seats-updated` continues. */
export interface PendingBooking {
  readonly event: BookingEvent
  readonly traceparent: string | null
}

/** What one event of a batch did: whether the seats changed, or why the rules refused it. */
export type BookingOutcome = Either.Either<boolean, Availability.UnknownCabin | Availability.AvailabilityExceeded>

const changeOf = (event: BookingEvent): Availability.BookingChange => ({
  kind: event.type === "booking.created" ? "created" : event.type === "booking.confirmed" ? "confirmed" : "cancelled",
  bookingId: event.data.bookingId,
  cabin: event.data.cabin,
  seats: event.data.seats.length,
})

export class FlightCommands extends Effect.Service<FlightCommands>()("flight/FlightCommands", {
  effect: Effect.gen(function* () {
    const repository = yield* FlightRepository

    /**
     * The Idempotency-Keys of scheduling, as the flights hold them: a key is written with the flight
     * it created, in the insert's one step, so nothing is claimed before and nothing recorded or
     * released after; a request that lost the race to insert under its key fails with
     * `IdempotencyKeyTaken`, and `Idempotent.run` looks again.
     */
    const keys: Idempotent.Store<Flight.Flight, void, FlightStoreError> = {
      claim: (request) =>
        Effect.map(repository.creationByKey(request.key), Option.match({
          onNone: () => Idempotent.fresh(undefined),
          onSome: (recorded) => Idempotent.done(recorded.fingerprint, recorded.flight),
        })),
      record: () => Effect.void,
      release: () => Effect.void,
    }

    const schedule = Spans.fn("FlightCommands.schedule")(function* (
      input: Flight.FlightSchedule,
      request: Option.Option<Idempotent.Request>,
    ) {
      const insert = Effect.gen(function* () {
        const id = (yield* Effect.sync(() => Bun.randomUUIDv7())) as FlightId
        const flight = Flight.schedule(id, input, yield* DateTime.now)
        const event = yield* outgoing(yield* scheduledEvent(flight))
        yield* repository.insert(flight, [event], request)
        return flight
      })
      const { replayed, value } = yield* Idempotent.optional(keys, request, insert)
      return { flight: value, replayed }
    })

    /** Reads, changes and writes a flight, again from the top while another writer gets there first. */
    const modify = <E>(
      id: FlightId,
      change: (flight: Flight.Flight) => Effect.Effect<Option.Option<{ readonly flight: Flight.Flight; readonly events: ReadonlyArray<AnyMessage> }>, E>,
    ) =>
      againOnConflict(Effect.gen(function* () {
        const flight = yield* Effect.flatMap(repository.get(id), Flight.found(id))
        const changed = yield* change(flight)
        if (Option.isNone(changed)) return flight
        const events = yield* Effect.forEach(changed.value.events, outgoing)
        yield* repository.save(changed.value.flight, [], events)
        return changed.value.flight
      }))

    const changeStatus = Spans.fn("FlightCommands.changeStatus")(function* (id: FlightId, change: Flight.StatusChange) {
      return yield* modify(id, (flight) =>
        Effect.gen(function* () {
          const next = yield* Flight.changeStatus(flight, change, yield* DateTime.now)
          const event = yield* Envelope.make(Messages.FlightStatusChanged, {
            flightId: next.id,
            flightNumber: next.flightNumber,
            previousStatus: flight.status,
            status: next.status,
            reason: next.statusReason,
            departureAt: next.departureAt,
          }, { source, correlationId: next.id })
          return Option.some({ flight: next, events: [event] })
        }))
    })

    /**
     * Applies booking events of one flight to its availability in one write: the events in order,
     * each once per booking whatever the order and the number of deliveries (a booking may appear
     * more than once in a batch), with a `flight.seats-updated` for each event that changed the seats,
     * in that event's trace. An event the rules refuse (an unknown cabin, more seats than are left)
     * changes nothing and is answered alone; the others are written. A failure to read or write the
     * flight is the whole batch's, and nothing of it is written.
     */
    const applyBookings = Spans.fn("FlightCommands.applyBookings")(function* (
      flightId: FlightId,
      batch: ReadonlyArray<PendingBooking>,
    ) {
      yield* Effect.annotateCurrentSpan({ "flight.id": flightId, "flight.bookings.batch": batch.length })
      return yield* againOnConflict(Effect.gen(function* () {
        const changes = batch.map((pending) => changeOf(pending.event))
        const found = yield* Effect.flatMap(
          repository.getWithBookings(flightId, [...new Set(changes.map((change) => change.bookingId))]),
          Flight.found(flightId),
        )
        const ledger = new Map(found.entries)
        const written = new Set<BookingId>()
        let availability = found.flight.availability
        /** The seats as each event that changed them left them, for its `flight.seats-updated`. */
        const reports: Array<{ readonly pending: PendingBooking; readonly availability: Flight.Flight["availability"] }> = []
        const outcomes = changes.map((change, index): BookingOutcome => {
          const applied = Availability.apply(availability, Option.fromNullable(ledger.get(change.bookingId)), change)
          if (Either.isLeft(applied)) return Either.left(applied.left)
          if (Option.isNone(applied.right)) return Either.right(false)
          ledger.set(change.bookingId, applied.right.value.entry)
          written.add(change.bookingId)
          availability = applied.right.value.availability
          if (applied.right.value.seatsChanged) reports.push({ pending: batch[index]!, availability })
          return Either.right(applied.right.value.seatsChanged)
        })
        if (written.size === 0) return outcomes
        const next = Flight.updated(found.flight, { availability }, yield* DateTime.now)
        const events = yield* Effect.forEach(reports, (report) =>
          Effect.map(
            seatsUpdatedEvent(flightId, report.availability, report.pending.event),
            (message): Outgoing => ({ message, traceparent: report.pending.traceparent }),
          ))
        yield* repository.save(next, [...written].map((id) => ({ id, entry: ledger.get(id)! })), events)
        return outcomes
      }))
    })

    /**
     * Applies a booking event to the availability of its flight, once per booking whatever the order
     * and the number of deliveries; publishes `flight.seats-updated` when the seats changed.
     */
    const applyBooking = Spans.fn("FlightCommands.applyBooking")(function* (event: BookingEvent) {
      yield* Effect.annotateCurrentSpan({ "booking.id": event.data.bookingId, "flight.id": event.data.flightId })
      const traceparent = Option.getOrNull(yield* Traceparent.current)
      const [outcome] = yield* applyBookings(event.data.flightId, [{ event, traceparent }])
      return yield* Either.match(outcome!, { onLeft: Effect.fail, onRight: Effect.succeed })
    })

    return { schedule, changeStatus, applyBooking, applyBookings } as const
  }),
}) {}
