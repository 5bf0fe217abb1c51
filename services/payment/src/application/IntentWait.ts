/**
 * A payment request commonly overtakes its booking's `booking.created` by a few milliseconds. Rather
 * than answer `payment-not-ready` to a client that will retry anyway, the request waits, a bounded
 * time, for the intent to arrive, woken by the store's signal (no polling), and is then decided as
 * if it had come just after. A booking that never comes is still `payment-not-ready`, after the wait.
 */
import type { BookingId } from "@flight/contracts"
import { Spans } from "@flight/runtime"
import { Context, Duration, Effect, Either, Option } from "effect"
import type { IntentNotOpenYet } from "../domain/Payment.ts"
import { PaymentRepository } from "../domain/PaymentRepository.ts"

/** How long a request waits for its booking's intent before it answers `payment-not-ready`. */
export class IntentWait extends Context.Reference<IntentWait>()("payment/IntentWait", {
  defaultValue: () => ({ within: Duration.millis(1500) }),
}) {}

const isNotOpenYet = (error: unknown): error is IntentNotOpenYet =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "IntentNotOpenYet"

/**
 * Runs `attempt`; when it finds no intent yet, waits for the booking's intent (at most
 * `IntentWait.within`) and runs it once more. A mark taken before the first look says whether the
 * intent arrived while that look was under way (then it runs again at once), so a request that
 * overtook its intent looks twice, once before the intent and once after, and one that did not
 * looks once and registers no wait (`PaymentRepository.intentMark`).
 */
export const awaitingIntent = <A, E, R>(
  bookingId: BookingId,
  attempt: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R | PaymentRepository> =>
  Effect.gen(function* () {
    const repository = yield* PaymentRepository
    const since = yield* repository.intentMark
    const first = yield* Effect.either(attempt)
    if (Either.isRight(first) || !isNotOpenYet(first.left)) return yield* first
    const notYet = first.left
    return yield* Effect.gen(function* () {
      const { within } = yield* IntentWait
      const woken = yield* Effect.timeoutOption(repository.intentArrival(bookingId, since), within)
      return yield* (Option.isSome(woken) ? attempt : Effect.fail(notYet))
    }).pipe(Spans.within("PaymentCommands.awaitIntent", { attributes: { "booking.id": bookingId } }))
  })
