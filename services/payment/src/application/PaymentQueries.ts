/** The payment service's queries: GetPayment and PaymentHistory. */
import type { BookingId, PaymentId } from "@flight/contracts"
import { Effect, Option } from "effect"
import { PaymentNotFound } from "../domain/Payment.ts"
import { PaymentRepository } from "../domain/PaymentRepository.ts"

export class PaymentQueries extends Effect.Service<PaymentQueries>()("payment/PaymentQueries", {
  effect: Effect.gen(function* () {
    const repository = yield* PaymentRepository
    const get = Effect.fn("PaymentQueries.get")(function* (id: PaymentId) {
      return yield* Effect.flatMap(repository.getPayment(id), Option.match({
        onNone: () => Effect.fail(new PaymentNotFound({ id })),
        onSome: Effect.succeed,
      }))
    })
    const history = Effect.fn("PaymentQueries.history")(function* (bookingId: BookingId) {
      return yield* repository.history(bookingId)
    })
    return { get, history } as const
  }),
}) {}
