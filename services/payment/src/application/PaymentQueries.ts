/**
 * The payment service's queries: GetPayment and PaymentHistory for a caller, and whether a caller
 * may pay a booking (asked before the charge). Each asks `PaymentAccess`; a caller it refuses gets
 * the same error as for a booking or payment that does not exist.
 */
import type { Principal } from "@flight/auth"
import type { BookingId, PaymentId } from "@flight/contracts"
import { Effect, Option } from "effect"
import { BookingNotFound, IntentNotOpenYet, PaymentNotFound } from "../domain/Payment.ts"
import { PaymentRepository, type PaymentStoreError } from "../domain/PaymentRepository.ts"
import { awaitingIntent } from "./IntentWait.ts"
import * as PaymentAccess from "./PaymentAccess.ts"

export class PaymentQueries extends Effect.Service<PaymentQueries>()("payment/PaymentQueries", {
  effect: Effect.gen(function* () {
    const repository = yield* PaymentRepository
    const withRepository = Effect.provideService(PaymentRepository, repository)

    /** What payment knows of the booking's owner (see `PaymentAccess.Known`). */
    const known = (bookingId: BookingId): Effect.Effect<PaymentAccess.Known, PaymentStoreError> =>
      Effect.map(repository.getIntent(bookingId), Option.map((intent) => ({ owner: intent.owner })))

    /** The payment, when the caller may read its booking's payments; otherwise as for an unknown id. */
    const get = Effect.fn("PaymentQueries.get")(function* (caller: Principal.Principal, id: PaymentId) {
      const payment = yield* Effect.flatMap(repository.getPayment(id), Option.match({
        onNone: () => Effect.fail(new PaymentNotFound({ id })),
        onSome: Effect.succeed,
      }))
      if (!PaymentAccess.canReadPayments(caller, payment.bookingId, yield* known(payment.bookingId))) {
        return yield* Effect.fail(new PaymentNotFound({ id }))
      }
      return payment
    })

    /** The booking's charges and refunds, when the caller may read them; otherwise BookingNotFound. */
    const history = Effect.fn("PaymentQueries.history")(function* (caller: Principal.Principal, bookingId: BookingId) {
      if (!PaymentAccess.canReadPayments(caller, bookingId, yield* known(bookingId))) {
        return yield* Effect.fail(new BookingNotFound({ bookingId }))
      }
      return yield* repository.history(bookingId)
    })

    /**
     * Succeeds when the caller may go on to pay the booking (`PaymentAccess.payDecision`); fails
     * BookingNotFound when refused, IntentNotOpenYet when it is too early to tell. The owner an
     * intent records never changes once known, so the answer holds for the charge that follows.
     */
    const payable = Effect.fn("PaymentQueries.payable")(function* (caller: Principal.Principal, bookingId: BookingId) {
      // Too early to tell: decided again once the intent arrives, within a bounded wait (`IntentWait`).
      yield* withRepository(awaitingIntent(bookingId, Effect.flatMap(known(bookingId), (owner): Effect.Effect<void, BookingNotFound | IntentNotOpenYet> => {
        switch (PaymentAccess.payDecision(caller, bookingId, owner)) {
          case "pay":
            return Effect.void
          case "refused":
            return Effect.fail(new BookingNotFound({ bookingId }))
          case "not-ready":
            return Effect.fail(new IntentNotOpenYet({ bookingId }))
        }
      })))
    })

    return { get, history, payable } as const
  }),
}) {}
