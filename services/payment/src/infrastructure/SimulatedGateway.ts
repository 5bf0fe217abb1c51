/**
 * The built-in payment gateway (DESIGN §3, payment), deterministic by card token:
 * `tok_visa` and `tok_mastercard` are approved; `tok_chargeDeclined` is declined (`card_declined`),
 * `tok_insufficientFunds` too (`insufficient_funds`); `tok_processingError` fails as unavailable
 * twice for a key, then is approved (it exercises the retry policy); any other token is declined
 * (`invalid_token`). Every call takes `latency`. Like a real provider it is idempotent by key: the
 * same key answers the same charge or refund, with the same transaction id.
 */
import { createHash } from "node:crypto"
import { Duration, Effect, Layer, Option } from "effect"
import { type ChargeResult, GatewayUnavailable, PaymentGateway } from "../domain/PaymentGateway.ts"

export interface Options {
  readonly latency?: Duration.DurationInput
}

const transactionId = (prefix: string, key: string) => `${prefix}_${createHash("sha256").update(key).digest("hex").slice(0, 24)}`

export const make = (options: Options = {}): PaymentGateway["Type"] => {
  const latency = Duration.decode(options.latency ?? Duration.zero)
  const failures = new Map<string, number>()
  /** Every answered charge, by key: what `find` reports. */
  const charges = new Map<string, ChargeResult>()
  const answered = (key: string) => (result: ChargeResult) => Effect.sync(() => void charges.set(key, result))
  const wait = Duration.toMillis(latency) > 0 ? Effect.sleep(latency) : Effect.void
  return {
    find: (key) => Effect.sync(() => Option.fromNullable(charges.get(key))),
    charge: ({ key, token }) =>
      Effect.zipRight(wait, Effect.suspend((): Effect.Effect<ChargeResult, GatewayUnavailable> => {
        switch (token) {
          case "tok_visa":
          case "tok_mastercard":
            return Effect.succeed({ _tag: "Approved", transactionId: transactionId("ch", key) })
          case "tok_chargeDeclined":
            return Effect.succeed({ _tag: "Declined", reason: "card_declined" })
          case "tok_insufficientFunds":
            return Effect.succeed({ _tag: "Declined", reason: "insufficient_funds" })
          case "tok_processingError": {
            const failed = failures.get(key) ?? 0
            if (failed < 2) {
              failures.set(key, failed + 1)
              return Effect.fail(new GatewayUnavailable({ reason: "processing_error" }))
            }
            failures.delete(key)
            return Effect.succeed({ _tag: "Approved", transactionId: transactionId("ch", key) })
          }
          default:
            return Effect.succeed({ _tag: "Declined", reason: "invalid_token" })
        }
      }).pipe(Effect.tap(answered(key)))),
    refund: ({ key }) => Effect.zipRight(wait, Effect.succeed({ transactionId: transactionId("re", key) })),
  }
}

export const layer = (options: Options = {}): Layer.Layer<PaymentGateway> => Layer.sync(PaymentGateway, () => make(options))
