/**
 * Booking events of one flight applied in batches: one read and one write of the flight for all
 * the events in hand, instead of a read-modify-write each (which, for one flight, queue behind one
 * another and lose races with each other).
 *
 * The consumer runs a handler per delivery, up to its prefetch at once. Each handler hands its event
 * to its flight's batcher and waits for the outcome of the write that holds it, so a message is
 * acknowledged only once its change is stored. A batcher takes everything waiting for its flight
 * (at most `maxBatch`), applies it with `FlightCommands.applyBookings`, answers each handler, and,
 * after a linger, takes what came meanwhile; an event that arrives when nothing is being written
 * goes at once, alone.
 * An event the rules refuse fails its own handler only (to be dead-lettered); a read or write that
 * fails fails every handler of its batch with that error, so each message is retried or
 * dead-lettered as before. Flights have batchers of their own (a fiber each, started by the first
 * event and retired when idle), so one flight never waits for another's writes.
 */
import { Traceparent } from "@flight/runtime"
import type { FlightId } from "@flight/contracts"
import {
  Chunk,
  Deferred,
  type Duration,
  Effect,
  Exit,
  FiberSet,
  HashMap,
  Option,
  Queue,
  type Scope,
  SynchronizedRef,
  type Tracer,
} from "effect"
import type { AvailabilityExceeded, UnknownCabin } from "../domain/Availability.ts"
import type { FlightNotFound } from "../domain/Flight.ts"
import type { FlightStoreError, VersionConflict } from "../domain/FlightRepository.ts"
import { type BookingEvent, FlightCommands, type PendingBooking } from "./FlightCommands.ts"

export type BatchError = FlightNotFound | UnknownCabin | AvailabilityExceeded | FlightStoreError | VersionConflict

export interface Options {
  /** The most events one write holds. The consumer's prefetch bounds what is in hand anyway. */
  readonly maxBatch?: number
  /**
   * How long a batcher waits after a write before it takes the next batch (none when it was idle):
   * 50 ms by default (decision 29), so that under load a write holds the events of that moment.
   */
  readonly linger?: Duration.DurationInput
  /** How long a flight's batcher waits for more before it retires. */
  readonly idle?: Duration.DurationInput
}

interface Waiting extends PendingBooking {
  readonly span: Option.Option<Tracer.AnySpan>
  readonly done: Deferred.Deferred<boolean, BatchError>
}

export interface BookingBatches {
  /** Applies the event with whatever else of its flight is in hand; true when the seats changed. */
  readonly apply: (event: BookingEvent) => Effect.Effect<boolean, BatchError>
}

export const make = (options: Options = {}): Effect.Effect<BookingBatches, never, FlightCommands | Scope.Scope> =>
  Effect.gen(function* () {
    const commands = yield* FlightCommands
    const maxBatch = options.maxBatch ?? 256
    const idle = options.idle ?? "10 seconds"
    const linger = options.linger ?? "50 millis"
    const workers = yield* FiberSet.make()
    /** The batchers by flight. Looked up, started, fed and retired only under this ref's lock. */
    const batchers = yield* SynchronizedRef.make(HashMap.empty<FlightId, Queue.Queue<Waiting>>())

    /** Takes what is waiting, writes it, answers each handler; the write is not cut short once taken. */
    const writeNext = (flightId: FlightId, batch: ReadonlyArray<Waiting>) =>
      Effect.gen(function* () {
        const links = batch.flatMap((waiting) =>
          Option.match(waiting.span, { onNone: () => [], onSome: (span) => [{ _tag: "SpanLink" as const, span, attributes: {} }] }))
        const outcome = yield* Effect.exit(
          commands.applyBookings(flightId, batch).pipe(Effect.withSpan("BookingBatches.write", {
            root: true,
            links,
            attributes: { "flight.id": flightId, "messaging.batch.message_count": batch.length },
          })),
        )
        yield* Effect.forEach(batch, (waiting, index) =>
          Deferred.done(waiting.done, Exit.flatMap(outcome, (outcomes) => Exit.fromEither(outcomes[index]!))), { discard: true })
      })

    /** A flight's batcher: writes what is in hand until nothing came for `idle`, then retires. */
    const work = (flightId: FlightId, queue: Queue.Queue<Waiting>): Effect.Effect<void> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          while (true) {
            const taken = yield* restore(Effect.timeoutOption(Queue.takeBetween(queue, 1, maxBatch), idle))
            if (Option.isSome(taken)) {
              yield* writeNext(flightId, Chunk.toReadonlyArray(taken.value))
              // The acknowledgements just sent bring the next deliveries within a moment, and under
              // load more come every millisecond: wait for them, rather than rewrite the flight's
              // document for each one or two (decision 29).
              yield* restore(Effect.sleep(linger))
              continue
            }
            // Retire only if nothing arrived meanwhile: events are offered under the same lock.
            const retired = yield* SynchronizedRef.modify(batchers, (all) =>
              Option.getOrElse(queue.unsafeSize(), () => 0) === 0
                ? [true, HashMap.remove(all, flightId)] as const
                : [false, all] as const)
            if (retired) return
          }
        })
      ).pipe(
        // Closing with the consumer: an event still waiting is redelivered anyway.
        Effect.onInterrupt(() =>
          Effect.flatMap(Queue.takeAll(queue), (left) => Effect.forEach(left, (waiting) => Deferred.interrupt(waiting.done))))
      )

    const apply = (event: BookingEvent) =>
      Effect.gen(function* () {
        const flightId = event.data.flightId
        const done = yield* Deferred.make<boolean, BatchError>()
        const span = yield* Effect.option(Effect.currentSpan)
        const traceparent = Option.getOrNull(yield* Traceparent.current)
        yield* SynchronizedRef.updateEffect(batchers, (all) =>
          Option.match(HashMap.get(all, flightId), {
            onSome: (queue) => Effect.as(Queue.offer(queue, { event, traceparent, span, done }), all),
            onNone: () =>
              Effect.gen(function* () {
                const queue = yield* Queue.unbounded<Waiting>()
                yield* Queue.offer(queue, { event, traceparent, span, done })
                yield* FiberSet.run(workers, work(flightId, queue))
                return HashMap.set(all, flightId, queue)
              }),
          }))
        return yield* Deferred.await(done)
      })

    return { apply }
  })
