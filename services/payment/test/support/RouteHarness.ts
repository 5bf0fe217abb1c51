/**
 * The payment routes as their tests drive them, on a fresh app (`PaymentApp`): intents opened and
 * closed the way production does it, from `booking.created` and `booking.cancelled`; paying and
 * reading as the booking's guest unless a test names another caller; the refund worker's pass.
 */
import { Envelope, FlightId, Messages } from "@flight/contracts"
import { EffectTest, type HttpAssertions } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { type Duration, Effect, Schema } from "effect"
import { PaymentCommands } from "../../src/application/PaymentCommands.ts"
import * as PaymentApp from "./PaymentApp.ts"
import { historyOf, inAnHour, newKey, payBody, paymentOf, total } from "./PaymentJson.ts"

/** The booking events of one booking (same flight, seats and contact in each). */
const bookingOf = (bookingId: string) => ({
  bookingId,
  reference: "X7K2QP",
  flightId: FlightId.make(Bun.randomUUIDv7()),
  cabin: "economy",
  seats: ["12A", "12B"],
  contact: { email: "ada@example.com" },
})

export const make = (gatewayLatency?: Duration.DurationInput) =>
  Effect.gen(function* () {
    const { runtime, issuer, send } = yield* PaymentApp.make(gatewayLatency)

    /**
     * The `Authorization` a guest's client sends for its booking: the token of the booking's 201 (here
     * signed by the test's guest issuer, as the booking service signs it).
     */
    const guestOf = (bookingId: string) => PaymentApp.bearer(issuer.guest(bookingId))
    /** A member of staff (ops), who reads every booking's payments. */
    const ops = PaymentApp.bearer(issuer.staff("olga", ["ops"]))
    /** A signed-in customer who owns none of these bookings. */
    const stranger = PaymentApp.bearer(issuer.customer("customer-b"))

    /** Runs an effect of the application on the app's runtime (the same store). */
    const withCommands = <A, E>(f: (commands: PaymentCommands) => Effect.Effect<A, E>) =>
      Effect.flatMap(PaymentCommands, f).pipe(Effect.provide(runtime))

    /** `booking.created` of a new booking that owes `total`, its hold until `holdExpiresAt`. */
    const bookingCreated = (holdExpiresAt: string = inAnHour()) =>
      Effect.gen(function* () {
        const bookingId = Bun.randomUUIDv7()
        const booking = bookingOf(bookingId)
        const data = Schema.decodeUnknownSync(Messages.BookingCreated.data)({
          ...booking,
          passengers: [
            { firstName: "Ada", lastName: "Lovelace", seat: "12A" },
            { firstName: "Charles", lastName: "Babbage", seat: "12B" },
          ],
          total,
          holdExpiresAt,
        })
        return yield* Envelope.make(Messages.BookingCreated, data, { source: "booking" })
      })

    /** Opens the intent of a new booking as `booking.created` does; answers the booking's id. */
    const openIntent = (holdExpiresAt?: string) =>
      Effect.gen(function* () {
        const created = yield* bookingCreated(holdExpiresAt)
        expect(yield* withCommands((commands) => commands.openIntent(created))).toBe(true)
        return created.data.bookingId as string
      })

    /** `booking.cancelled` of a booking. */
    const bookingCancelled = (bookingId: string, paid: boolean, reason: "customer" | "expired" | "flight-cancelled" = "customer") =>
      Effect.gen(function* () {
        const data = Schema.decodeUnknownSync(Messages.BookingCancelled.data)({ ...bookingOf(bookingId), reason, paid })
        return yield* Envelope.make(Messages.BookingCancelled, data, { source: "booking" })
      })

    /** Applies a `booking.cancelled` as the consumer does. */
    const bookingEnded = (message: Effect.Effect.Success<ReturnType<typeof bookingCancelled>>) =>
      withCommands((commands) => commands.bookingEnded(message))

    /** Ends a booking as its `booking.cancelled` does. */
    const endBooking = (bookingId: string, paid: boolean, reason: "customer" | "expired" | "flight-cancelled" = "customer") =>
      Effect.flatMap(bookingCancelled(bookingId, paid, reason), bookingEnded)

    /** One pass of the refund worker. */
    const refundPending = (limit = 10) => withCommands((commands) => commands.refundPending(limit))

    /** POST /api/payments, as the guest of the booking it names unless `headers` carry an `authorization`. */
    const post = (body: unknown, headers: Record<string, string> = { "idempotency-key": newKey() }) =>
      Effect.gen(function* () {
        const bookingId = (body as { readonly bookingId?: unknown }).bookingId
        const caller = "authorization" in headers || typeof bookingId !== "string" ? {} : yield* guestOf(bookingId)
        return yield* send("POST", "/api/payments", { body, headers: { ...caller, ...headers } })
      })

    /** Pays a booking, which must answer 201. */
    const pay = (bookingId: string, token = "tok_visa") =>
      Effect.map(post(payBody(bookingId, token)), (answer) => {
        expect(answer.status).toBe(201)
        return paymentOf(answer)
      })

    /** GET /api/payments/{id}, as the guest of `bookingId`, or with `headers`. */
    const get = (id: string, caller: { readonly bookingId: string } | Record<string, string>) =>
      Effect.gen(function* () {
        const headers = typeof caller["bookingId"] === "string" ? yield* guestOf(caller["bookingId"]) : caller as Record<string, string>
        return yield* send("GET", `/api/payments/${id}`, { headers })
      })

    /** GET /api/payments?..., as the guest of the booking it names unless `headers` are given. */
    const historyAnswer = (query: Record<string, string>, headers?: Record<string, string>) =>
      Effect.gen(function* () {
        const caller = headers ?? (query["bookingId"] === undefined ? {} : yield* guestOf(query["bookingId"]))
        return yield* send("GET", `/api/payments?${new URLSearchParams(query)}`, { headers: caller })
      })

    /** The booking's history, which must be answered. */
    const history = (bookingId: string) =>
      Effect.map(historyAnswer({ bookingId }), (answer) => {
        expect(answer.status).toBe(200)
        return historyOf(answer)
      })

    return {
      send,
      guestOf,
      ops,
      stranger,
      post,
      pay,
      get,
      historyAnswer,
      history,
      openIntent,
      bookingCancelled,
      bookingEnded,
      endBooking,
      refundPending,
    }
  })

export type Api = Effect.Effect.Success<ReturnType<typeof make>>

export type Answer = HttpAssertions.Answer

/** A test of the API, on a fresh store, with the logs silenced; the gateway answers after `gatewayLatency`. */
export const apiTest = <A, E>(
  name: string,
  body: (api: Api) => Effect.Effect<A, E>,
  gatewayLatency?: Duration.DurationInput,
) => EffectTest.effect(name, () => Effect.flatMap(make(gatewayLatency), body), { layer: PaymentApp.quiet })
