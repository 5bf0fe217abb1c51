/**
 * The payment provider, as a port: charge a card token, refund a charge. Each call carries an
 * idempotency key of the caller (one per attempt, one per refund), so a call repeated after a
 * timeout is the same call to the provider. A real provider implements this port; the built-in
 * simulated one (`infrastructure/SimulatedGateway.ts`) is deterministic by token.
 */
import type { Money } from "@flight/contracts"
import { Context, type Effect, type Option, Schema } from "effect"

export type ChargeResult =
  | { readonly _tag: "Approved"; readonly transactionId: string }
  | { readonly _tag: "Declined"; readonly reason: string }

/** The provider could not answer (a timeout, a 5xx): worth trying again with the same key. */
export class GatewayUnavailable extends Schema.TaggedError<GatewayUnavailable>()("GatewayUnavailable", {
  reason: Schema.String,
}) {
  readonly transient = true
  override get message() {
    return `payment gateway unavailable: ${this.reason}`
  }
}

export class PaymentGateway extends Context.Tag("payment/PaymentGateway")<PaymentGateway, {
  readonly charge: (request: { readonly key: string; readonly amount: Money; readonly token: string }) => Effect.Effect<ChargeResult, GatewayUnavailable>
  readonly refund: (request: { readonly key: string; readonly transactionId: string; readonly amount: Money }) => Effect.Effect<{ readonly transactionId: string }, GatewayUnavailable>
  /** What the provider did under a charge key, if it was ever called with it (providers look charges up by key). */
  readonly find: (key: string) => Effect.Effect<Option.Option<ChargeResult>, GatewayUnavailable>
}>() {}
