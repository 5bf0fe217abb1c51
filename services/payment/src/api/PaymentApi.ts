/**
 * The payment service's HTTP API (DESIGN §3, payment): pay a booking, read a payment, a booking's
 * payment history. The amount never comes from the client: it is the booking's intent. Every route
 * needs a token; who may then pay or read is the booking's rule (`PaymentAccess`, asked through
 * `PaymentQueries`), and anyone it refuses is answered as for an unknown booking or payment.
 */
import { Authentication, type CurrentPrincipal, HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { DeadLetters, type MessageBus, OperationsRoutes, ServiceBus } from "@flight/bus"
import { BookingId, CompiledParser, Money, PaymentId, RefundId } from "@flight/contracts"
import { HttpApp, IdempotencyKey, Paging, Route, type StoreHealth } from "@flight/runtime"
import { Effect, type Runtime, Schema } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { PaymentCommands } from "../application/PaymentCommands.ts"
import { PaymentQueries } from "../application/PaymentQueries.ts"
import type { Payment, Refund } from "../domain/Payment.ts"
import { RefundReason } from "../domain/Payment.ts"
import { problems } from "./PaymentProblems.ts"

export const PaymentView = Schema.Struct({
  id: PaymentId,
  bookingId: BookingId,
  status: Schema.Literal("pending", "succeeded", "failed"),
  amount: Money,
  transactionId: Schema.NullOr(Schema.String),
  failureReason: Schema.NullOr(Schema.String),
  createdAt: Schema.DateTimeUtc,
  completedAt: Schema.NullOr(Schema.DateTimeUtc),
}).annotations({ identifier: "Payment" })

export const RefundView = Schema.Struct({
  id: RefundId,
  paymentId: PaymentId,
  bookingId: BookingId,
  status: Schema.Literal("pending", "succeeded"),
  reason: RefundReason,
  amount: Money,
  transactionId: Schema.NullOr(Schema.String),
  createdAt: Schema.DateTimeUtc,
  completedAt: Schema.NullOr(Schema.DateTimeUtc),
}).annotations({ identifier: "Refund" })

export const HistoryEntry = Schema.Union(
  Schema.Struct({ type: Schema.Literal("charge"), ...PaymentView.fields }),
  Schema.Struct({ type: Schema.Literal("refund"), ...RefundView.fields }),
)

export const HistoryQuery = Schema.Struct({ bookingId: BookingId, ...Paging.offsetFields })

export const History = Paging.page(HistoryEntry, Paging.OffsetCursor).annotations({ identifier: "PaymentHistory" })

const viewOf = (payment: Payment): typeof PaymentView.Type => ({
  id: payment.id,
  bookingId: payment.bookingId,
  status: payment.status,
  amount: payment.amount,
  transactionId: payment.transactionId,
  failureReason: payment.failureReason,
  createdAt: payment.createdAt,
  completedAt: payment.completedAt,
})
const refundViewOf = (refund: Refund): typeof RefundView.Type => ({ ...refund })

export const PayBody = Schema.Struct({
  bookingId: BookingId,
  method: Schema.Struct({
    type: Schema.Literal("card"),
    token: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,100}$/)),
  }),
})

/** What each route may fail with, from the service's problem table. */
const paying = problems.for(
  "BookingNotFound",
  "IntentNotOpenYet",
  "NoOpenIntent",
  "HoldExpired",
  "PaymentInProgress",
  "RequestInProgress",
  "IdempotencyKeyReused",
  "GatewayUnavailable",
  "PaymentStoreError",
)
const reading = problems.for("PaymentNotFound", "PaymentStoreError")
const readingHistory = problems.for("BookingNotFound", "PaymentStoreError")

const encodeView = CompiledParser.encoderSync(PaymentView)

/** The response body of a payment, as `POST /api/payments` answers it and its key replays it. */
export const renderPayment = (payment: Payment): string => JSON.stringify(encodeView(viewOf(payment)))
const encodeBody = CompiledParser.encoderSync(PayBody)

type Services = PaymentCommands | PaymentQueries | CurrentPrincipal | DeadLetters.DeadLetters

export const routes: ReadonlyArray<Route.Route<Services>> = [
  Route.make({
    method: "post",
    path: "/api/payments",
    // A token is required; then the booking's rule (PaymentAccess): its guest token or its owner
    // pays, anyone else gets the 404 of an unknown booking. Before booking.created has arrived an
    // account is told payment-not-ready, since its owner cannot be known yet (PaymentAccess.payerOf, checked by the begin).
    access: "authenticated",
    summary: "Pay a booking",
    description: "Charges the amount the booking owes (its payment intent) with a card token. For the holder of the " +
      "booking's accessToken and the account that made it; 404 for anyone else (ops and admin included), as for an " +
      "unknown booking. Idempotency-Key is required: the same key and request answer the first response " +
      "(Idempotent-Replayed: true), another request under it is a 422. A booking is charged at most once: 409 when it " +
      "has nothing to pay, another payment is under way, or its hold ran out; 409 payment-not-ready with Retry-After when " +
      "its intent is not open yet. A declined card answers 201 with status failed: pay again with another.",
    tags: ["payments"],
    headers: IdempotencyKey.RequiredHeader,
    body: PayBody,
    success: { status: 201, schema: PaymentView, description: "The payment, succeeded or failed" },
    errors: paying.statuses,
    handler: ({ body, headers }) =>
      Effect.gen(function* () {
        const caller = yield* Authentication.required
        const commands = yield* PaymentCommands
        const key = headers[IdempotencyKey.headerName]
        // Who may pay is decided before the Idempotency-Key, so a stranger's replay of someone's key is a 404 too.
        const result = yield* paying.answer(commands.pay({
          caller,
          bookingId: body.bookingId,
          token: body.method.token,
          key,
          fingerprint: IdempotencyKey.fingerprint("POST /api/payments", encodeBody(body)),
        }, renderPayment))
        // The response as recorded under the key, the first time as every time after.
        return Route.response({
          status: result.status,
          body: JSON.parse(result.body),
          ...(result.replayed ? { headers: { [IdempotencyKey.replayedHeader]: "true" } } : {}),
        })
      }),
  }),
  Route.make({
    method: "get",
    path: "/api/payments/:id",
    // Its booking's rule (PaymentAccess): owner, guest token, ops, admin; 404 as unknown for anyone else.
    access: "authenticated",
    summary: "Get a payment",
    description: "For the owner of its booking, the holder of the booking's accessToken, ops and admin; 404 for anyone " +
      "else, as for an unknown id.",
    tags: ["payments"],
    params: Schema.Struct({ id: PaymentId }),
    success: { status: 200, schema: PaymentView },
    errors: reading.statuses,
    handler: ({ params }) =>
      Effect.gen(function* () {
        const caller = yield* Authentication.required
        return viewOf(yield* reading.answer(Effect.flatMap(PaymentQueries, (queries) => queries.get(caller, params.id))))
      }),
  }),
  Route.make({
    method: "get",
    path: "/api/payments",
    // As GET /api/payments/:id. It never lists more than one booking: bookingId is required.
    access: "authenticated",
    summary: "A booking's payment history",
    description: "Every charge attempt and refund of the booking, oldest first, `limit` (default 20) a page. For the " +
      "booking's owner, the holder of its accessToken, ops and admin; 404 for anyone else, as for an unknown booking " +
      "(a booking payment has not heard of yet is unknown to any account but staff).",
    tags: ["payments"],
    query: HistoryQuery,
    success: { status: 200, schema: History },
    errors: readingHistory.statuses,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const caller = yield* Authentication.required
        const history = yield* readingHistory.answer(Effect.flatMap(PaymentQueries, (queries) => queries.history(caller, query.bookingId)))
        const items = [
          ...history.payments.map((payment) => ({ type: "charge" as const, ...viewOf(payment) })),
          ...history.refunds.map((refund) => ({ type: "refund" as const, ...refundViewOf(refund) })),
        ].toSorted((a, b) => a.createdAt.epochMillis - b.createdAt.epochMillis)
        const offset = Paging.offsetOf(query)
        return {
          items: items.slice(offset, offset + query.limit),
          nextCursor: Paging.nextOffset(offset, query.limit, offset + query.limit < items.length),
        }
      }),
  }),
  // Its dead letters and queue depth, for admins (the same routes in every service on the bus).
  ...OperationsRoutes.routes("payment"),
]

export const make = (
  runtime: Runtime.Runtime<Exclude<Services, CurrentPrincipal> | StoreHealth | MessageBus | TokenVerifier.TokenVerifier>,
): Hono =>
  HttpApp.make({
    service: "payment",
    version: packageJson.version,
    description: "Payment intents, charges, refunds and payment history",
    routes,
    runtime,
    authentication: HttpAuthentication.bridge,
    readiness: ServiceBus.readiness,
  })

