/**
 * Expires holds that ran out, without any request arriving: every `interval` it takes the bookings
 * due (oldest first, a batch at a time) and expires each in one atomic step, which frees the seats
 * and publishes `booking.cancelled` (reason expired). Safe with several instances: expiring is
 * idempotent, so two sweepers that take the same booking expire it once.
 */
import { Spans } from "@flight/runtime"
import { DateTime, Duration, Effect, type Scope } from "effect"
import { BookingRepository } from "../domain/BookingRepository.ts"
import { BookingCommands } from "./BookingCommands.ts"

export interface Options {
  readonly interval?: Duration.DurationInput
  readonly batchSize?: number
}

/** One pass: expires what is due; answers how many bookings it looked at. */
export const sweepOnce = (batchSize = 100) =>
  Effect.gen(function* () {
    const repository = yield* BookingRepository
    const commands = yield* BookingCommands
    const due = yield* repository.dueForExpiry(yield* DateTime.now, batchSize)
    // Each booking on its own: one that fails never holds back the others. A passing store failure
    // is tried again on the next pass; a booking the store cannot read is logged and dropped from
    // the index, or it would come first in every pass.
    yield* Effect.forEach(due, (id) =>
      commands.expire(id).pipe(
        Effect.catchAll((error) =>
          error._tag === "BookingStoreError" && !error.transient
            ? Effect.zipRight(
              Effect.logError(`booking ${id} cannot be expired and leaves the expiry index: ${error.message}`),
              Effect.ignore(repository.forgetExpiry(id)),
            )
            : Effect.logWarning(`booking ${id} not expired this pass: ${error.message}`)
        ),
      ), { concurrency: 8, discard: true })
    return due.length
  }).pipe(Spans.within("ExpirySweeper.sweep"))

export const start = (options: Options = {}): Effect.Effect<void, never, BookingRepository | BookingCommands | Scope.Scope> => {
  const batchSize = options.batchSize ?? 100
  const interval = Duration.decode(options.interval ?? "1 second")
  const pass = sweepOnce(batchSize).pipe(
    // A full batch means more are due: go on at once.
    Effect.flatMap((count) => (count < batchSize ? Effect.sleep(interval) : Effect.void)),
    Effect.catchAllCause((cause) => Effect.zipRight(Effect.logWarning("expiry sweep failed", cause), Effect.sleep(interval))),
  )
  return Effect.asVoid(Effect.forkScoped(Effect.forever(pass)))
}
