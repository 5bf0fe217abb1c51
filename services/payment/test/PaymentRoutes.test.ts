/**
 * Every route of the payment service over HTTP, on the in-memory store, the simulated gateway and
 * an in-process bus: what each answers, each validation failure (with the offending field), the
 * Idempotency-Key of the POST, the history of charges and refunds, and the races of DESIGN §5
 * (flows 2-4): a charge that succeeds after its booking ended, concurrent payments of one booking.
 * Intents open and close the way they do in production, from `booking.created` and
 * `booking.cancelled`.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { Envelope, FlightId, Messages } from "@flight/contracts"
import { EffectTest, HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { type Duration, Effect, Fiber, Layer, Logger, Schedule, Schema } from "effect"
import * as PaymentApi from "../src/api/PaymentApi.ts"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { inMemoryLayer } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

// -------------------------------------------------------------------------------------------------
// Wire shapes

interface MoneyJson {
  readonly amount: number
  readonly currency: string
}

interface PaymentJson {
  readonly id: string
  readonly bookingId: string
  readonly status: string
  readonly amount: MoneyJson
  readonly transactionId: string | null
  readonly failureReason: string | null
  readonly createdAt: string
  readonly completedAt: string | null
}

interface RefundJson {
  readonly id: string
  readonly paymentId: string
  readonly bookingId: string
  readonly status: string
  readonly reason: string
  readonly amount: MoneyJson
  readonly transactionId: string | null
  readonly createdAt: string
  readonly completedAt: string | null
}

type HistoryEntryJson = ({ readonly type: "charge" } & PaymentJson) | ({ readonly type: "refund" } & RefundJson)

interface HistoryJson {
  readonly items: ReadonlyArray<HistoryEntryJson>
  readonly nextCursor: string | null
}

type Answer = HttpAssertions.Answer

const paymentOf = (answer: Answer) => answer.body as PaymentJson
const historyOf = (answer: Answer) => answer.body as HistoryJson
const chargesOf = (history: HistoryJson) =>
  history.items.filter((item): item is { readonly type: "charge" } & PaymentJson => item.type === "charge")
const refundsOf = (history: HistoryJson) =>
  history.items.filter((item): item is { readonly type: "refund" } & RefundJson => item.type === "refund")

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const unknownId = "01930b2c-7d3e-7a4b-8c5d-6e7f8a9b0c1d"

/** What every booking of these tests owes: two economy seats at 450.00 GBP. */
const total = { amount: 90_000, currency: "GBP" }

/** A booking's hold that runs out in an hour. */
const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000).toISOString()

/** A booking's hold that ran out a minute ago. */
const aMinuteAgo = () => new Date(Date.now() - 60 * 1000).toISOString()

// -------------------------------------------------------------------------------------------------
// Request bodies

type Json = Record<string, unknown>

/** A valid payment request: the booking, paid by card with this token; fields overridable. */
const payBody = (bookingId: string, token = "tok_visa", overrides: Json = {}): Json => ({
  bookingId,
  method: { type: "card", token },
  ...overrides,
})

/** A fresh Idempotency-Key. */
const newKey = () => `pay-${Bun.randomUUIDv7()}`

// -------------------------------------------------------------------------------------------------
// The app

interface Send {
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** The booking events of one booking (same flight, seats and contact in each). */
const bookingOf = (bookingId: string) => ({
  bookingId,
  reference: "X7K2QP",
  flightId: FlightId.make(Bun.randomUUIDv7()),
  cabin: "economy",
  seats: ["12A", "12B"],
  contact: { email: "ada@example.com" },
})

/** The payment service's HTTP app on the in-memory store and an in-process bus, as it is composed. */
const makeApi = (gatewayLatency?: Duration.DurationInput) =>
  Effect.gen(function* () {
    const { bus, deadLetters } = yield* InProcessBus.make()
    const runtime = yield* Layer.toRuntime(Layer.mergeAll(inMemoryLayer(gatewayLatency), Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), TestIssuer.layer()))
    const app = PaymentApi.make(runtime)
    const issuer = yield* Effect.provide(TestIssuer.Issuer, runtime)

    /**
     * The `Authorization` a guest's client sends for its booking: the token of the booking's 201 (here
     * signed by the test's guest issuer, as the booking service signs it).
     */
    const guestOf = (bookingId: string) => Effect.map(issuer.guest(bookingId), (token) => ({ authorization: `Bearer ${token}` }))
    /** A member of staff (ops), who reads every booking's payments. */
    const ops = Effect.map(issuer.staff("olga", ["ops"]), (token) => ({ authorization: `Bearer ${token}` }))
    /** A signed-in customer who owns none of these bookings. */
    const stranger = Effect.map(issuer.customer("customer-b"), (token) => ({ authorization: `Bearer ${token}` }))

    /** Runs an effect of the application on the app's runtime (the same store). */
    const withCommands = <A, E>(f: (commands: PaymentCommands) => Effect.Effect<A, E>) =>
      Effect.flatMap(PaymentCommands, f).pipe(Effect.provide(runtime))

    const send = (method: string, path: string, options: Send = {}): Effect.Effect<Answer> =>
      Effect.promise(async () => {
        const hasBody = options.body !== undefined
        const response = await app.fetch(
          new Request(`http://payment.test${path}`, {
            method,
            headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...options.headers },
            ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
          }),
        )
        const text = await response.text()
        return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) as unknown }
      })

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

type Api = Effect.Effect.Success<ReturnType<typeof makeApi>>

/** A test of the API, on a fresh store, with the logs silenced; the gateway answers after `gatewayLatency`. */
const apiTest = <A, E>(
  name: string,
  body: (api: Api) => Effect.Effect<A, E>,
  gatewayLatency?: Duration.DurationInput,
) => EffectTest.effect(name, () => Effect.flatMap(makeApi(gatewayLatency), body), { layer: quiet })

const { expectProblem, expectValidation } = HttpAssertions

// -------------------------------------------------------------------------------------------------
// POST /api/payments

describe("POST /api/payments", () => {
  apiTest("tok_visa answers 201 succeeded: UUID v7 id, the intent's total as amount, a transaction id, no failure reason", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const before = Date.now()
      const answer = yield* api.post(payBody(bookingId))
      const after = Date.now()
      expect(answer.status).toBe(201)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      const payment = paymentOf(answer)
      expect(payment.id).toMatch(uuidV7)
      expect(payment).toMatchObject({ bookingId, status: "succeeded", amount: total, failureReason: null })
      expect(payment.transactionId).toEqual(expect.any(String))
      expect(payment.transactionId).not.toBe("")
      expect(payment.createdAt).toMatch(isoUtc)
      expect(payment.completedAt).toMatch(isoUtc)
      expect(Date.parse(payment.createdAt)).toBeGreaterThanOrEqual(before)
      expect(Date.parse(payment.completedAt ?? "")).toBeLessThanOrEqual(after)
      expect(Object.keys(payment).toSorted()).toEqual(
        ["amount", "bookingId", "completedAt", "createdAt", "failureReason", "id", "status", "transactionId"],
      )
    }))

  apiTest("tok_chargeDeclined answers 201 failed card_declined, and the booking can then be paid with another key and tok_visa", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const declined = yield* api.post(payBody(bookingId, "tok_chargeDeclined"))
      expect(declined.status).toBe(201)
      expect(paymentOf(declined)).toMatchObject({
        bookingId,
        status: "failed",
        amount: total,
        transactionId: null,
        failureReason: "card_declined",
      })
      const paid = yield* api.post(payBody(bookingId, "tok_visa"))
      expect(paid.status).toBe(201)
      expect(paymentOf(paid)).toMatchObject({ bookingId, status: "succeeded", amount: total, failureReason: null })
      expect(paymentOf(paid).id).not.toBe(paymentOf(declined).id)
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => [charge.id, charge.status])).toEqual([
        [paymentOf(declined).id, "failed"],
        [paymentOf(paid).id, "succeeded"],
      ])
    }))

  apiTest("tok_insufficientFunds answers 201 failed insufficient_funds", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const answer = yield* api.post(payBody(bookingId, "tok_insufficientFunds"))
      expect(answer.status).toBe(201)
      expect(paymentOf(answer)).toMatchObject({
        bookingId,
        status: "failed",
        amount: total,
        transactionId: null,
        failureReason: "insufficient_funds",
      })
    }))

  apiTest("tok_processingError answers 201 succeeded: the gateway's transient failures are retried", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const answer = yield* api.post(payBody(bookingId, "tok_processingError"))
      expect(answer.status).toBe(201)
      expect(paymentOf(answer)).toMatchObject({ bookingId, status: "succeeded", amount: total, failureReason: null })
      expect(paymentOf(answer).transactionId).toEqual(expect.any(String))
      const history = yield* api.history(bookingId)
      expect(chargesOf(history)).toHaveLength(1)
    }))

  apiTest("no Idempotency-Key is a 400 at header.idempotency-key, and charges nothing", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      expectValidation(yield* api.post(payBody(bookingId), yield* api.guestOf(bookingId)), ["header.idempotency-key"])
      expect((yield* api.history(bookingId)).items).toEqual([])
    }))

  apiTest("the same key with the same request answers 201 with the identical body, marked idempotent-replayed, and charges once", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const headers = { "idempotency-key": "pay-ada-once" }
      const first = yield* api.post(payBody(bookingId), headers)
      expect(first.status).toBe(201)
      expect(first.headers.get("idempotent-replayed")).toBeNull()
      const replay = yield* api.post(payBody(bookingId), headers)
      expect(replay.status).toBe(201)
      expect(replay.headers.get("idempotent-replayed")).toBe("true")
      expect(replay.body).toEqual(first.body)
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => charge.id)).toEqual([paymentOf(first).id])
    }))

  apiTest("the same key with another request is a 422 idempotency-key-reused, and charges nothing more", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const headers = { "idempotency-key": "pay-ada-reused" }
      const first = yield* api.post(payBody(bookingId, "tok_chargeDeclined"), headers)
      expect(first.status).toBe(201)
      expectProblem(yield* api.post(payBody(bookingId, "tok_visa"), headers), 422, "idempotency-key-reused")
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => charge.status)).toEqual(["failed"])
    }))

  apiTest("a booking with no intent yet is a 409 payment-not-ready with a retry-after header", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post(payBody(unknownId))
      expectProblem(answer, 409, "payment-not-ready")
      expect(answer.headers.get("retry-after")).toBe("1")
      expect((yield* api.history(unknownId)).items).toEqual([])
    }))

  apiTest("a booking already paid is a 409 nothing-to-pay, and is not charged again", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const paid = yield* api.pay(bookingId)
      expect(paid.status).toBe("succeeded")
      expectProblem(yield* api.post(payBody(bookingId, "tok_mastercard")), 409, "nothing-to-pay")
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => charge.id)).toEqual([paid.id])
    }))

  apiTest("a booking whose intent booking.cancelled closed is a 409 nothing-to-pay", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      expect(yield* api.endBooking(bookingId, false)).toBe("closed")
      expectProblem(yield* api.post(payBody(bookingId)), 409, "nothing-to-pay")
      expect((yield* api.history(bookingId)).items).toEqual([])
    }))

  apiTest("a booking whose hold ran out is a 409 hold-expired", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent(aMinuteAgo())
      expectProblem(yield* api.post(payBody(bookingId)), 409, "hold-expired")
      expect((yield* api.history(bookingId)).items).toEqual([])
    }))

  describe("validation", () => {
    apiTest("an unknown body field (the client naming an amount) is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const bookingId = yield* api.openIntent()
        expectValidation(yield* api.post(payBody(bookingId, "tok_visa", { amount: { amount: 1, currency: "GBP" } })), ["body.amount"])
        expect((yield* api.history(bookingId)).items).toEqual([])
      }))

    apiTest("a token that is not a token is a 400 at body.method.token", (api) =>
      Effect.gen(function* () {
        const bookingId = yield* api.openIntent()
        expectValidation(yield* api.post(payBody(bookingId, "tok visa!")), ["body.method.token"])
        expect((yield* api.history(bookingId)).items).toEqual([])
      }))

    apiTest("a malformed bookingId is a 400 at body.bookingId", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(payBody("X7K2QP"), { "idempotency-key": newKey(), ...yield* api.stranger }), ["body.bookingId"])
      }))

    apiTest("a method type other than card is a 400 at body.method.type", (api) =>
      Effect.gen(function* () {
        const bookingId = yield* api.openIntent()
        expectValidation(yield* api.post({ bookingId, method: { type: "paypal", token: "tok_visa" } }), ["body.method.type"])
        expect((yield* api.history(bookingId)).items).toEqual([])
      }))
  })
})

// -------------------------------------------------------------------------------------------------
// GET /api/payments/{id}

describe("GET /api/payments/{id}", () => {
  apiTest("answers 200 with the payment, as the POST answered it", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const payment = yield* api.pay(bookingId)
      const answer = yield* api.get(payment.id, { bookingId })
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.body).toEqual(payment)
    }))

  apiTest("an unknown id is a 404 payment-not-found, even to ops", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.get(unknownId, yield* api.ops), 404, "payment-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("pay_123", yield* api.ops), ["path.id"])
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /api/payments?bookingId=

describe("GET /api/payments?bookingId=", () => {
  apiTest("answers { items, nextCursor: null }: every charge attempt, oldest first, each typed charge", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const declined = yield* api.pay(bookingId, "tok_chargeDeclined")
      const poor = yield* api.pay(bookingId, "tok_insufficientFunds")
      const paid = yield* api.pay(bookingId, "tok_visa")
      const answer = yield* api.historyAnswer({ bookingId })
      expect(answer.status).toBe(200)
      const history = historyOf(answer)
      expect(history.nextCursor).toBeNull()
      expect(history.items).toEqual([
        { type: "charge", ...declined },
        { type: "charge", ...poor },
        { type: "charge", ...paid },
      ])
    }))

  apiTest("a paid booking that is cancelled gets one refund of the full amount, succeeded after the refund worker's pass", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const paid = yield* api.pay(bookingId)
      expect(yield* api.endBooking(bookingId, true)).toBe("refund")
      const due = refundsOf(yield* api.history(bookingId))
      expect(due).toHaveLength(1)
      expect(due[0]).toMatchObject({ paymentId: paid.id, bookingId, status: "pending", reason: "booking-cancelled", amount: total })
      expect(yield* api.refundPending(10)).toBe(1)
      const history = yield* api.history(bookingId)
      expect(history.items.map((item) => item.type)).toEqual(["charge", "refund"])
      expect(history.items[0]).toEqual({ type: "charge", ...paid })
      const refund = refundsOf(history)[0]
      expect(refund?.id).toMatch(uuidV7)
      expect(refund).toMatchObject({
        type: "refund",
        paymentId: paid.id,
        bookingId,
        status: "succeeded",
        reason: "booking-cancelled",
        amount: total,
      })
      expect(refund?.transactionId).toEqual(expect.any(String))
      expect(refund?.completedAt).toMatch(isoUtc)
    }))

  apiTest("booking.cancelled delivered twice and the refund worker run again still give exactly one refund", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const paid = yield* api.pay(bookingId)
      const cancelled = yield* api.bookingCancelled(bookingId, true)
      expect(yield* api.bookingEnded(cancelled)).toBe("refund")
      expect(yield* api.refundPending(10)).toBe(1)
      expect(yield* api.bookingEnded(cancelled)).toBe("nothing")
      expect(yield* api.refundPending(10)).toBe(0)
      const refunds = refundsOf(yield* api.history(bookingId))
      expect(refunds).toHaveLength(1)
      expect(refunds[0]).toMatchObject({ paymentId: paid.id, status: "succeeded", amount: total })
    }))

  apiTest("a booking with nothing paid answers an empty history", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      expect(yield* api.history(bookingId)).toEqual({ items: [], nextCursor: null })
    }))

  apiTest("a missing bookingId is a 400 at query.bookingId, whoever asks: it never lists every booking's payments", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.historyAnswer({}, yield* api.ops), ["query.bookingId"])
      expectValidation(yield* api.historyAnswer({}, yield* api.stranger), ["query.bookingId"])
    }))
})

// -------------------------------------------------------------------------------------------------
// Races (DESIGN §5 flows 3 and 4, §6 invariant 3)

describe("races", () => {
  apiTest("a charge that succeeds after its booking ended is answered succeeded, recorded as a refund charged-after-booking-ended, and refunded", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const posting = yield* Effect.fork(api.post(payBody(bookingId)))
      // The payment is begun (pending) and the gateway is still answering.
      const pending = yield* api.history(bookingId).pipe(
        Effect.map(chargesOf),
        Effect.filterOrFail((charges) => charges.some((charge) => charge.status === "pending"), () => "no pending charge yet"),
        Effect.retry(Schedule.spaced("5 millis").pipe(Schedule.upTo("2 seconds"))),
      )
      expect(pending).toHaveLength(1)
      expect(yield* api.endBooking(bookingId, false, "expired")).toBe("closed")
      const answer = yield* Fiber.join(posting)
      expect(answer.status).toBe(201)
      const payment = paymentOf(answer)
      expect(payment).toMatchObject({ bookingId, status: "succeeded", amount: total })
      const due = refundsOf(yield* api.history(bookingId))
      expect(due).toHaveLength(1)
      expect(due[0]).toMatchObject({ paymentId: payment.id, status: "pending", reason: "charged-after-booking-ended", amount: total })
      expect(yield* api.refundPending(10)).toBe(1)
      const history = yield* api.history(bookingId)
      expect(history.items.map((item) => item.type)).toEqual(["charge", "refund"])
      expect(refundsOf(history)[0]).toMatchObject({
        paymentId: payment.id,
        status: "succeeded",
        reason: "charged-after-booking-ended",
        amount: total,
      })
      expectProblem(yield* api.post(payBody(bookingId)), 409, "nothing-to-pay")
    }), "200 millis")

  apiTest("20 concurrent payments of one booking with different keys: one 201 succeeded, the others 409, one succeeded charge", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const answers = yield* Effect.all(
        Array.from({ length: 20 }, () => api.post(payBody(bookingId))),
        { concurrency: "unbounded" },
      )
      const created = answers.filter((answer) => answer.status === 201)
      expect(created).toHaveLength(1)
      expect(paymentOf(created[0]!)).toMatchObject({ bookingId, status: "succeeded", amount: total })
      const refused = answers.filter((answer) => answer.status !== 201)
      expect(refused).toHaveLength(19)
      for (const answer of refused) {
        expect(answer.status).toBe(409)
        expect(["payment-in-progress", "nothing-to-pay"]).toContain(HttpAssertions.problemOf(answer).type)
      }
      const charges = chargesOf(yield* api.history(bookingId))
      expect(charges.filter((charge) => charge.status === "succeeded").map((charge) => charge.id)).toEqual([paymentOf(created[0]!).id])
      expect(charges).toHaveLength(1)
    }), "20 millis")
})

// -------------------------------------------------------------------------------------------------
// GET /openapi.json

describe("GET /openapi.json", () => {
  apiTest("documents /api/payments (get, post) and /api/payments/{id} (get)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      type Operation = { readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>; readonly responses: Record<string, unknown> }
      const paths = (answer.body as { readonly paths: Record<string, Record<string, Operation>> }).paths
      expect(Object.keys(paths["/api/payments"] ?? {}).toSorted()).toEqual(["get", "post"])
      expect(Object.keys(paths["/api/payments/{id}"] ?? {})).toEqual(["get"])
      // Each needs a bearer token (from its access), answers 401 without one, and 404 to a caller its booking refuses.
      for (const operation of [paths["/api/payments"]!["post"]!, paths["/api/payments"]!["get"]!, paths["/api/payments/{id}"]!["get"]!]) {
        expect(operation.security?.length).toBeGreaterThan(0)
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["401", "404"]))
        expect(Object.keys(operation.responses)).not.toContain("403")
      }
    }))

  apiTest("the history is paged: limit a page, nextCursor to the next, null on the last; a bad cursor is a 400", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      for (const token of ["tok_chargeDeclined", "tok_insufficientFunds", "tok_chargeDeclined"]) {
        expect((yield* api.post(payBody(bookingId, token))).status).toBe(201)
      }
      const first = yield* api.historyAnswer({ bookingId, limit: "2" })
      const page = historyOf(first)
      expect(page.items).toHaveLength(2)
      expect(page.nextCursor).not.toBeNull()
      const last = historyOf(yield* api.historyAnswer({ bookingId, limit: "2", cursor: page.nextCursor! }))
      expect(last.items).toHaveLength(1)
      expect(last.nextCursor).toBeNull()
      const ids = [...page.items, ...last.items].map((item) => item.id)
      expect(new Set(ids).size).toBe(3)
      expectValidation(yield* api.historyAnswer({ bookingId, cursor: "garbage" }), ["query.cursor"])
    }))
})
