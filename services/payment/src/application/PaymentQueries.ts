/**
 * The payment service's queries: GetPayment and PaymentHistory for a caller. Each asks
 * `PaymentAccess`; a caller it refuses gets the same error as for a booking or payment that does not
 * exist. Whether a caller may pay is the Pay command's (`PaymentCommands.pay`).
 */
import type { Principal } from "@flight/auth"
import type { BookingId, PaymentId } from "@flight/contracts"
import { Spans } from "@flight/runtime"
import { Effect, Option } from "effect"
import { BookingNotFound, PaymentNotFound } from "../domain/Payment.ts"
import { PaymentRepository, type PaymentStoreError } from "../domain/PaymentRepository.ts"
import * as PaymentAccess from "./PaymentAccess.ts"

export class PaymentQueries extends Effect.Service<PaymentQueries>()("payment/PaymentQueries", {
  effect: Effect.gen(function* () {
    const repository = yield* PaymentRepository

    /** What payment knows of the booking's owner (see `PaymentAccess.Known`). */
    const known = (bookingId: BookingId): Effect.Effect<PaymentAccess.Known, PaymentStoreError> =>
      Effect.map(repository.getIntent(bookingId), Option.map((intent) => ({ owner: intent.owner })))

    /** The payment, when the caller may read its booking's payments; otherwise as for an unknown id. */
    const get = Spans.fn("PaymentQueries.get")(function* (caller: Principal.Principal, id: PaymentId) {
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
    const history = Spans.fn("PaymentQueries.history")(function* (caller: Principal.Principal, bookingId: BookingId) {
      if (!PaymentAccess.canReadPayments(caller, bookingId, yield* known(bookingId))) {
        return yield* Effect.fail(new BookingNotFound({ bookingId }))
      }
      return yield* repository.history(bookingId)
    })

    return { get, history } as const
  }),
}) {}
