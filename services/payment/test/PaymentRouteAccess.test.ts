/**
 * Who may call each route of the payment service (DESIGN §10), over HTTP: the matrix for every
 * payment route — anonymous (401 with the Bearer challenge), the owner, another customer, the guest
 * token of the booking and of another, ops, admin — with a refused caller answered exactly as for
 * an unknown booking or payment and nothing recorded; the case of a booking whose intent has not
 * arrived; hostile tokens (401); /metrics for admins. The policy alone is PaymentAccess.test.ts's.
 */
import { HostileTokens, TestIssuer } from "@flight/auth/testing"
import { BookingId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { PaymentRepository } from "../src/domain/PaymentRepository.ts"
import { bookingCreated, bookingCreatedBy } from "./support/Fixtures.ts"
import { bearer, make, quiet } from "./support/PaymentApp.ts"

const unknown = BookingId.make("01890a5d-ac96-774b-bcce-b302099a8057")

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly retryAfter: string | null
  readonly body: Record<string, unknown> | undefined
}

const setUp = Effect.gen(function* () {
  const { runtime, issuer, send: request } = yield* make()
  const callers = yield* Effect.provide(TestIssuer.callers(), runtime)
  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown): Effect.Effect<Answer> =>
    Effect.map(request(method, path, { headers, body }), (answer) => ({
      status: answer.status,
      challenge: answer.headers.get("www-authenticate"),
      retryAfter: answer.headers.get("retry-after"),
      body: answer.headers.get("content-type")?.includes("json") ? answer.body as Record<string, unknown> : undefined,
    }))
  const commands = yield* Effect.provide(PaymentCommands, runtime)
  const repository = yield* Effect.provide(PaymentRepository, runtime)
  /** Opens a booking's intent as its booking.created does: v2 naming `owner` (null for a guest), or v1. */
  const open = (owner: string | null | "v1", bookingId = BookingId.make(Bun.randomUUIDv7())) =>
    Effect.gen(function* () {
      yield* commands.openIntent(yield* (owner === "v1" ? bookingCreated(bookingId) : bookingCreatedBy(owner, bookingId)))
      return bookingId
    })
  const charges = (bookingId: BookingId) => Effect.map(repository.history(bookingId), (history) => history.payments.length)
  const pay = (bookingId: string, caller: Record<string, string>, options: { key?: string; card?: string } = {}) =>
    send("POST", "/api/payments", { "idempotency-key": options.key ?? Bun.randomUUIDv7(), ...caller }, {
      bookingId,
      method: { type: "card", token: options.card ?? "tok_chargeDeclined" },
    })
  return { send, callers, issuer, bearer, open, charges, pay }
})

/** A problem's body but its instance (the request's path): what tells one 404 from another. */
const withoutInstance = (body: unknown) => {
  const { instance: _, ...rest } = body as Record<string, unknown>
  return rest
}

describe("payment routes: who may call them", () => {
  const matrix = Effect.gen(function* () {
    const api = yield* setUp
    const { bearer, issuer } = api
    const x = yield* api.open("customer-a")
    const y = yield* api.open(null)
    return {
      api,
      x,
      y,
      callers: [
        ["anonymous", {}],
        ["customer A (owner)", yield* bearer(issuer.customer("customer-a"))],
        ["customer B", yield* bearer(issuer.customer("customer-b"))],
        ["guest token of Y", yield* bearer(issuer.guest(y))],
        ["guest token of X", yield* bearer(issuer.guest(x))],
        ["ops", yield* bearer(issuer.staff("olga", ["ops"]))],
        ["admin", yield* bearer(issuer.staff("ann", ["ops", "admin"]))],
      ] as ReadonlyArray<readonly [string, Record<string, string>]>,
    }
  })

  EffectTest.effect("POST /api/payments: the owner and the booking's guest token pay; anonymous 401; anyone else the 404 of an unknown booking, charging nothing", () =>
    Effect.gen(function* () {
      const { api, callers, x, y } = yield* matrix
      const guestOfY = callers.find(([name]) => name === "guest token of Y")![1]
      const unknownBooking = yield* api.pay(unknown, guestOfY)
      expect([unknownBooking.status, unknownBooking.body?.["type"]]).toEqual([404, "booking-not-found"])
      const statuses: Array<readonly [string, number]> = []
      for (const [name, caller] of callers) {
        const before = yield* api.charges(x)
        // A declined card: each caller who may pay records one failed charge, and the booking stays payable.
        const answer = yield* api.pay(x, caller)
        statuses.push([name, answer.status])
        expect([name, (yield* api.charges(x)) - before]).toEqual([name, answer.status === 201 ? 1 : 0])
        if (answer.status === 201) expect(answer.body).toMatchObject({ bookingId: x, status: "failed" })
        if (answer.status === 404) expect([name, withoutInstance(answer.body)]).toEqual([name, withoutInstance(unknownBooking.body)])
        if (answer.status === 401) expect(answer.challenge).toBe("Bearer")
      }
      expect(statuses).toEqual([
        ["anonymous", 401],
        ["customer A (owner)", 201],
        ["customer B", 404],
        ["guest token of Y", 404],
        ["guest token of X", 201],
        ["ops", 404],
        ["admin", 404],
      ])
      // A guest's booking: its token pays it, no customer does (not even one who owns another booking).
      const ownerOfX = callers.find(([name]) => name === "customer A (owner)")![1]
      expect((yield* api.pay(y, ownerOfX)).status).toBe(404)
      expect((yield* api.pay(y, guestOfY)).status).toBe(201)
      expect(yield* api.charges(y)).toBe(1)
    }), { layer: quiet })

  EffectTest.effect("GET /api/payments/{id} and ?bookingId=: the owner, the booking's guest token, ops and admin; anonymous 401; anyone else the 404 of an unknown one", () =>
    Effect.gen(function* () {
      const { api, callers, x } = yield* matrix
      const ownerOfX = callers.find(([name]) => name === "customer A (owner)")![1]
      const admin = callers.find(([name]) => name === "admin")![1]
      const customerB = callers.find(([name]) => name === "customer B")![1]
      const paid = yield* api.pay(x, ownerOfX, { card: "tok_visa" })
      expect(paid.status).toBe(201)
      const paymentId = paid.body!["id"] as string
      const unknownPayment = yield* api.send("GET", `/api/payments/${unknown}`, admin)
      const unknownHistory = yield* api.send("GET", `/api/payments?bookingId=${unknown}`, customerB)
      expect([unknownPayment.status, unknownPayment.body?.["type"]]).toEqual([404, "payment-not-found"])
      expect([unknownHistory.status, unknownHistory.body?.["type"]]).toEqual([404, "booking-not-found"])
      const statuses: Array<readonly [string, number, number]> = []
      for (const [name, caller] of callers) {
        const payment = yield* api.send("GET", `/api/payments/${paymentId}`, caller)
        const history = yield* api.send("GET", `/api/payments?bookingId=${x}`, caller)
        statuses.push([name, payment.status, history.status])
        if (payment.status === 200) expect(payment.body).toEqual(paid.body)
        if (history.status === 200) expect((history.body!["items"] as Array<{ id: string }>).map((item) => item.id)).toEqual([paymentId])
        if (payment.status === 404) expect([name, withoutInstance(payment.body)]).toEqual([name, withoutInstance(unknownPayment.body)])
        if (history.status === 404) expect([name, withoutInstance(history.body)]).toEqual([name, withoutInstance(unknownHistory.body)])
        if (payment.status === 401) expect([payment.challenge, history.challenge]).toEqual(["Bearer", "Bearer"])
      }
      expect(statuses).toEqual([
        ["anonymous", 401, 401],
        ["customer A (owner)", 200, 200],
        ["customer B", 404, 404],
        ["guest token of Y", 404, 404],
        ["guest token of X", 200, 200],
        ["ops", 200, 200],
        ["admin", 200, 200],
      ])
    }), { layer: quiet })

  EffectTest.effect("a stranger who sends the owner's request under the owner's Idempotency-Key gets the 404, not the replay", () =>
    Effect.gen(function* () {
      const api = yield* setUp
      const { bearer, issuer } = api
      const x = yield* api.open("customer-a")
      const key = Bun.randomUUIDv7()
      const first = yield* api.pay(x, yield* bearer(issuer.customer("customer-a")), { key, card: "tok_visa" })
      expect(first.status).toBe(201)
      const stranger = yield* api.pay(x, yield* bearer(issuer.customer("customer-b")), { key, card: "tok_visa" })
      expect([stranger.status, stranger.body?.["type"], JSON.stringify(stranger.body).includes(first.body!["id"] as string)])
        .toEqual([404, "booking-not-found", false])
      // The booking's guest token may replay it: it may pay the booking.
      const replay = yield* api.pay(x, yield* bearer(issuer.guest(x)), { key, card: "tok_visa" })
      expect([replay.status, replay.body]).toEqual([201, first.body])
    }), { layer: quiet })

  EffectTest.effect("a version 1 booking (no owner): its guest token pays and reads; a customer gets the 404, staff read", () =>
    Effect.gen(function* () {
      const api = yield* setUp
      const { bearer, issuer } = api
      const w = yield* api.open("v1")
      const customer = yield* bearer(issuer.customer("customer-a"))
      expect((yield* api.pay(w, customer)).status).toBe(404)
      expect((yield* api.send("GET", `/api/payments?bookingId=${w}`, customer)).status).toBe(404)
      expect((yield* api.pay(w, yield* bearer(issuer.guest(w)))).status).toBe(201)
      expect((yield* api.send("GET", `/api/payments?bookingId=${w}`, yield* bearer(issuer.staff("olga", ["ops"])))).status).toBe(200)
      expect(yield* api.charges(w)).toBe(1)
    }), { layer: quiet })

  EffectTest.effect("a member of staff pays a booking they made themselves; another member of staff does not", () =>
    Effect.gen(function* () {
      const api = yield* setUp
      const { bearer, issuer } = api
      const z = yield* api.open("olga")
      expect((yield* api.pay(z, yield* bearer(issuer.staff("ann", ["ops", "admin"])))).status).toBe(404)
      expect((yield* api.pay(z, yield* bearer(issuer.staff("olga", ["ops"])))).status).toBe(201)
    }), { layer: quiet })

  EffectTest.effect("before booking.created arrives: its guest token and any account are told payment-not-ready (Retry-After), another booking's token 404; once it arrives, the owner pays and others get the 404", () =>
    Effect.gen(function* () {
      const api = yield* setUp
      const { bearer, issuer } = api
      const n = BookingId.make(Bun.randomUUIDv7())
      const owner = yield* bearer(issuer.customer("customer-a"))
      const other = yield* bearer(issuer.customer("customer-b"))
      const ops = yield* bearer(issuer.staff("olga", ["ops"]))
      const early: Array<readonly [string, number, unknown, string | null]> = []
      for (const [name, caller] of [
        ["guest token of N", yield* bearer(issuer.guest(n))],
        ["the owner-to-be", owner],
        ["another customer", other],
        ["ops", ops],
        ["guest token of another booking", yield* bearer(issuer.guest(unknown))],
      ] as const) {
        const answer = yield* api.pay(n, caller)
        early.push([name, answer.status, answer.body?.["type"], answer.retryAfter])
      }
      expect(early).toEqual([
        ["guest token of N", 409, "payment-not-ready", "1"],
        ["the owner-to-be", 409, "payment-not-ready", "1"],
        ["another customer", 409, "payment-not-ready", "1"],
        ["ops", 409, "payment-not-ready", "1"],
        ["guest token of another booking", 404, "booking-not-found", null],
      ])
      // Reading: no owner is known yet, so no account but staff reads it.
      expect((yield* api.send("GET", `/api/payments?bookingId=${n}`, owner)).status).toBe(404)
      expect((yield* api.send("GET", `/api/payments?bookingId=${n}`, ops)).status).toBe(200)
      yield* api.open("customer-a", n)
      expect(yield* api.charges(n)).toBe(0)
      expect((yield* api.pay(n, other)).status).toBe(404)
      expect((yield* api.pay(n, ops)).status).toBe(404)
      expect((yield* api.pay(n, owner, { card: "tok_visa" })).status).toBe(201)
      expect((yield* api.send("GET", `/api/payments?bookingId=${n}`, owner)).status).toBe(200)
      expect(yield* api.charges(n)).toBe(1)
    }), { layer: quiet, timeout: 20_000 })

  EffectTest.effect("bad input from a caller who may pay is a 400 at its path, and charges nothing", () =>
    Effect.gen(function* () {
      const api = yield* setUp
      const { bearer, issuer, send } = api
      const x = yield* api.open("customer-a")
      const owner = yield* bearer(issuer.customer("customer-a"))
      const bad = yield* send("POST", "/api/payments", { "idempotency-key": "k", ...owner }, { bookingId: x, method: { type: "card", token: "tok visa!" } })
      expect([bad.status, (bad.body?.["errors"] as Array<{ path: string }>).map((error) => error.path)]).toEqual([400, ["body.method.token"]])
      const noKey = yield* send("POST", "/api/payments", owner, { bookingId: x, method: { type: "card", token: "tok_visa" } })
      expect(noKey.status).toBe(400)
      expect((yield* send("GET", "/api/payments?bookingId=nope", owner)).status).toBe(400)
      expect(yield* api.charges(x)).toBe(0)
    }), { layer: quiet })

  EffectTest.effect("/metrics only an admin; health and /openapi.json anyone", () =>
    Effect.gen(function* () {
      const { callers, send } = yield* setUp
      for (const path of ["/health/live", "/health/ready", "/openapi.json"]) {
        for (const caller of [callers.anonymous, callers.customer, callers.ops, callers.admin]) {
          expect([path, (yield* send("GET", path, caller)).status]).toEqual([path, 200])
        }
      }
      const metrics = []
      for (const caller of [callers.anonymous, callers.customer, callers.ops, callers.admin]) metrics.push(yield* send("GET", "/metrics", caller))
      expect(metrics.map((answer) => answer.status)).toEqual([401, 403, 403, 200])
      expect(metrics[0]!.challenge).toBe("Bearer")
    }), { layer: quiet })

  EffectTest.effect("hostile tokens are a 401 invalid_token at every payment route and /metrics, and charge nothing", () =>
    Effect.gen(function* () {
      const api = yield* setUp
      const { issuer, send } = api
      const x = yield* api.open("mallory")
      for (const [name, token] of Object.entries(yield* HostileTokens.make(issuer))) {
        const authorization = { authorization: `Bearer ${token}` }
        const answers = [
          yield* send("GET", "/metrics", authorization),
          yield* api.pay(x, authorization, { card: "tok_visa" }),
          yield* send("GET", `/api/payments/${unknown}`, authorization),
          yield* send("GET", `/api/payments?bookingId=${x}`, authorization),
        ]
        expect([name, answers.map((answer) => [answer.status, answer.challenge?.startsWith('Bearer error="invalid_token"')])])
          .toEqual([name, answers.map(() => [401, true])])
      }
      expect(yield* api.charges(x)).toBe(0)
    }), { layer: quiet })
})
