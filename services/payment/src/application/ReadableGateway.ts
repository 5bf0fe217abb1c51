/** The payment gateway as the commands call it: its answers checked where they enter (`readableGateway`). */
import { Effect, Option } from "effect"
import { type ChargeResult, type PaymentGateway, readableCharge, readableRefund, type Unreadable } from "../domain/PaymentGateway.ts"

/**
 * The gateway as payments record and publish its answers: what `payment.processed` cannot carry
 * (free text of at most 200 characters, decision 13) is replaced at this edge, before anything is
 * recorded, and the original logged, escaped and cut short. A decline reason becomes
 * `gateway_error`, so the payment fails as declined; an approved charge's transaction id becomes a
 * stand-in derived from it, so the payment succeeds (the provider took the money), and a refund of it
 * needs an operator, who finds the original in the log. See `readableCharge`.
 */
export const readableGateway = (gateway: PaymentGateway["Type"]): PaymentGateway["Type"] => {
  const report = (key: string, unreadable: Option.Option<Unreadable>) =>
    Option.match(unreadable, {
      onNone: () => Effect.void,
      onSome: ({ excerpt, field, issue, standIn }) => {
        const line = `gateway answered ${key} with a ${field} a payment cannot carry (${issue}), recorded as ${standIn}: "${excerpt}"`
        return field === "failure reason" ? Effect.logWarning(line) : Effect.logError(line)
      },
    })
  const readable = (key: string, result: ChargeResult) => {
    const { result: carried, unreadable } = readableCharge(result)
    return Effect.as(report(key, unreadable), carried)
  }
  return {
    charge: (request) => Effect.flatMap(gateway.charge(request), (result) => readable(request.key, result)),
    find: (key) =>
      Effect.flatMap(gateway.find(key), Option.match({ onNone: () => Effect.succeedNone, onSome: (result) => Effect.asSome(readable(key, result)) })),
    refund: (request) =>
      Effect.flatMap(gateway.refund(request), (refunded) => {
        const { text, unreadable } = readableRefund(refunded.transactionId)
        return Effect.as(report(request.key, unreadable), { transactionId: text })
      }),
  }
}
