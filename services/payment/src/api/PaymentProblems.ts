/**
 * How the payment service's typed failures are shown: each tag's problem+json and its status,
 * declared once. A route selects the tags it may fail with (`problems.for(...)`); its documented
 * statuses and its handler's mapping both come from that selection.
 */
import { type Idempotent, Problems } from "@flight/runtime"
import type { BookingNotFound, IntentNotOpenYet, NoOpenIntent, PaymentInProgress, PaymentNotFound } from "../domain/Payment.ts"
import type { GatewayUnavailable } from "../domain/PaymentGateway.ts"
import type { HoldExpired, PaymentStoreError } from "../domain/PaymentRepository.ts"

/** What the routes may fail with. */
export type ApiError =
  | IntentNotOpenYet
  | NoOpenIntent
  | HoldExpired
  | PaymentInProgress
  | Idempotent.RequestInProgress
  | Idempotent.IdempotencyKeyReused
  | PaymentNotFound
  | BookingNotFound
  | GatewayUnavailable
  | PaymentStoreError

export const problems = Problems.make<ApiError>({
  IntentNotOpenYet: Problems.conflict("payment-not-ready", undefined, { retryAfterSeconds: 1 }),
  NoOpenIntent: Problems.conflict("nothing-to-pay"),
  HoldExpired: Problems.conflict("hold-expired"),
  PaymentInProgress: Problems.conflict("payment-in-progress", undefined, { retryAfterSeconds: 1 }),
  RequestInProgress: Problems.requestInProgress,
  IdempotencyKeyReused: Problems.keyReused,
  // Fixed sentences: an id the caller may not see answers exactly as one that does not exist.
  PaymentNotFound: Problems.notFound("payment-not-found", "No payment matches"),
  BookingNotFound: Problems.notFound("booking-not-found", "No booking matches"),
  GatewayUnavailable: Problems.unavailable(
    "The payment gateway did not answer. The payment is pending and will be settled; send the request again with the same Idempotency-Key for its outcome",
    5,
  ),
  // Data this build cannot read (not transient) is no client's doing and not a passing outage: a 500.
  PaymentStoreError: Problems.store("The payment store is unavailable"),
})
