/**
 * The payment provider, as a port: charge a card token, refund a charge. Each call carries an
 * idempotency key of the caller (one per attempt, one per refund), so a call repeated after a
 * timeout is the same call to the provider. A real provider implements this port; the built-in
 * simulated one (`infrastructure/SimulatedGateway.ts`) is deterministic by token.
 */
import { FreeText, type Money } from "@flight/contracts"
import { Context, type Effect, Option, Schema } from "effect"
import { createHash } from "node:crypto"

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

/** The longest failure reason or transaction id that `payment.processed` carries. */
export const maxAnswerText = 200

/** The failure reason that stands in for a decline reason `payment.processed` cannot carry. */
export const unreadableReason = "gateway_error"

/** A text of a gateway's answer that a payment cannot carry, and what stands in for it. */
export interface Unreadable {
  readonly field: "failure reason" | "transaction id" | "refund transaction id"
  /** Why, naming the character and its position (`FreeText`) or the length, never echoing the text. */
  readonly issue: string
  /** The text's beginning, safe in a log line (see `excerpt`). */
  readonly excerpt: string
  readonly standIn: string
}

/**
 * The first `length` characters (code points) of a text, those free text refuses written as
 * `\uXXXX`, so that a log line shows them without acting on the terminal or forging a line.
 */
export const excerpt = (text: string, length = 80): string => {
  const characters = Array.from(text)
  const shown = characters.slice(0, length)
    .map((character) => FreeText.issueOf(character) === undefined ? character : `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .join("")
  return characters.length > length ? `${shown}… (${characters.length} characters)` : shown
}

/** A transaction id that stands in for one a payment cannot carry: the same for the same original. */
export const standInTransactionId = (original: string): string =>
  `gateway_unreadable_${createHash("sha256").update(original).digest("hex").slice(0, 24)}`

/**
 * A text of a gateway's answer as a payment records and publishes it (decision 13): free text of at
 * most `maxAnswerText` characters (and not empty, when `required`), or `standIn` for it.
 */
const readableText = (
  field: Unreadable["field"],
  text: string,
  required: boolean,
  standIn: (text: string) => string,
): { readonly text: string; readonly unreadable: Option.Option<Unreadable> } => {
  const issue = FreeText.issueOf(text) ??
    (required && text.length === 0
      ? "is empty"
      : text.length > maxAnswerText
      ? `is ${text.length} characters long, over ${maxAnswerText}`
      : undefined)
  if (issue === undefined) return { text, unreadable: Option.none() }
  const replaced = standIn(text)
  return { text: replaced, unreadable: Option.some({ field, issue, excerpt: excerpt(text), standIn: replaced }) }
}

/**
 * A charge's result as `payment.processed` can carry it. A decline reason it cannot carry becomes
 * `gateway_error`: the payment fails as declined. An approved charge stays approved (the provider
 * took the money), under a transaction id that stands in for its unreadable one.
 */
export const readableCharge = (result: ChargeResult): { readonly result: ChargeResult; readonly unreadable: Option.Option<Unreadable> } => {
  if (result._tag === "Declined") {
    const { text, unreadable } = readableText("failure reason", result.reason, false, () => unreadableReason)
    return { result: Option.isNone(unreadable) ? result : { _tag: "Declined", reason: text }, unreadable }
  }
  const { text, unreadable } = readableText("transaction id", result.transactionId, true, standInTransactionId)
  return { result: Option.isNone(unreadable) ? result : { _tag: "Approved", transactionId: text }, unreadable }
}

/** A refund's transaction id as a refund records it: the same rule as a charge's. */
export const readableRefund = (transactionId: string) => readableText("refund transaction id", transactionId, true, standInTransactionId)
