/**
 * Who may call each route of the notification service (DESIGN §10), over HTTP: the matrix of
 * anonymous, customer A (owner of booking X), customer B, the guest token of X (on X and on Y, a
 * guest's booking), ops and admin, on bookings notification heard of from booking.created (version 2
 * with and without an owner, version 1) and on one it never heard of; and the hostile tokens refused.
 * The policy itself is tested without HTTP in NotificationPolicy.test.
 */
import { HostileTokens, TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { type AnyMessage, BookingId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Layer, Logger } from "effect"
import * as NotificationApi from "../src/api/NotificationApi.ts"
import { NotificationCommands } from "../src/application/NotificationCommands.ts"
import { serviceLayer } from "../src/main.ts"
import { bookingCreated, bookingCreatedV2 } from "./support/Bookings.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const newBooking = () => BookingId.make(Bun.randomUUIDv7())

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly body: any
}

const setUp = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  const runtime = yield* Layer.toRuntime(Layer.mergeAll(serviceLayer(), Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), TestIssuer.layer()))
  const app = NotificationApi.make(runtime)
  const issuer = yield* Effect.provide(TestIssuer.Issuer, runtime)
  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown): Effect.Effect<Answer> =>
    Effect.promise(async () => {
      const response = await app.fetch(new Request(`http://notification.test${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }))
      const text = await response.text()
      const json = response.headers.get("content-type")?.includes("json") === true
      return { status: response.status, challenge: response.headers.get("www-authenticate"), body: json ? JSON.parse(text) : text }
    })
  const handle = (message: AnyMessage) =>
    Effect.flatMap(NotificationCommands, (commands) => commands.handle(message)).pipe(Effect.provide(runtime))

  // X is customer A's (ada) booking, Y a guest's, W announced by version 1 (no owner), Z never announced.
  const [x, y, w, z] = [newBooking(), newBooking(), newBooking(), newBooking()]
  yield* handle(yield* bookingCreatedV2("ada", x))
  yield* handle(yield* bookingCreatedV2(null, y))
  yield* handle(yield* bookingCreated(w))

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  const callers = {
    anonymous: {},
    customerA: bearer(yield* issuer.customer("ada")),
    customerB: bearer(yield* issuer.customer("bob")),
    guestOfX: bearer(yield* issuer.guest(x)),
    ops: bearer(yield* issuer.staff("olga", ["ops"])),
    admin: bearer(yield* issuer.staff("ann", ["admin"])),
  }
  return { send, issuer, callers, bearer, bookings: { x, y, w, z } }
})

const notification = { channel: "email", recipient: "ada@example.com", template: "booking-expired", data: { reference: "X7K2QP" } }

describe("notification routes: who may call them", () => {
  EffectTest.effect("every route answers anonymous, customer A, customer B, X's guest token, ops and admin as the rules say", () =>
    Effect.gen(function* () {
      const { bookings: { w, x, y, z }, callers, send } = yield* setUp
      const order = [callers.anonymous, callers.customerA, callers.customerB, callers.guestOfX, callers.ops, callers.admin]
      const routes: ReadonlyArray<readonly [string, string, unknown, ReadonlyArray<number>]> = [
        ["GET", `/api/notifications?bookingId=${x}`, undefined, [401, 200, 404, 200, 200, 200]],
        ["GET", `/api/notifications?bookingId=${x}&recipient=ada%40example.com`, undefined, [401, 200, 404, 200, 200, 200]],
        ["GET", `/api/notifications?bookingId=${y}`, undefined, [401, 404, 404, 404, 200, 200]],
        ["GET", `/api/notifications?bookingId=${y}&recipient=ada%40example.com`, undefined, [401, 404, 404, 404, 200, 200]],
        ["GET", `/api/notifications?bookingId=${w}`, undefined, [401, 404, 404, 404, 200, 200]],
        ["GET", `/api/notifications?bookingId=${z}`, undefined, [401, 404, 404, 404, 200, 200]],
        ["GET", "/api/notifications", undefined, [401, 403, 403, 403, 200, 200]],
        ["GET", "/api/notifications?recipient=ada%40example.com", undefined, [401, 403, 403, 403, 200, 200]],
        ["POST", "/api/notifications", notification, [401, 403, 403, 403, 202, 202]],
        ["GET", "/metrics", undefined, [401, 403, 403, 403, 403, 200]],
        ["GET", "/health/live", undefined, [200, 200, 200, 200, 200, 200]],
        ["GET", "/health/ready", undefined, [200, 200, 200, 200, 200, 200]],
        ["GET", "/openapi.json", undefined, [200, 200, 200, 200, 200, 200]],
      ]
      for (const [method, path, body, expected] of routes) {
        const answers: Array<Answer> = []
        for (const caller of order) answers.push(yield* send(method, path, caller, body))
        expect([method, path, answers.map((answer) => answer.status)]).toEqual([method, path, [...expected]])
        answers.forEach((answer, index) => {
          if (expected[index] === 401) expect([path, answer.challenge]).toEqual([path, "Bearer"])
          if (expected[index] === 403) expect([path, answer.body.type]).toEqual([path, "forbidden"])
          if (expected[index] === 404) expect([path, answer.body.type]).toEqual([path, "booking-not-found"])
        })
      }
    }), { layer: quiet })

  EffectTest.effect("X's owner and X's guest token read X's notifications, and only X's; staff read any booking's", () =>
    Effect.gen(function* () {
      const { bookings: { x, y }, callers, send } = yield* setUp
      const owner = yield* send("GET", `/api/notifications?bookingId=${x}`, callers.customerA)
      expect(owner.status).toBe(200)
      expect(owner.body.items.map((item: any) => [item.bookingId, item.channel, item.recipient, item.template])).toEqual([
        [x, "email", "ada@example.com", "booking-received"],
      ])
      expect(yield* send("GET", `/api/notifications?bookingId=${x}`, callers.guestOfX)).toEqual(owner)
      expect(yield* send("GET", `/api/notifications?bookingId=${x}`, callers.ops)).toEqual(owner)
      const guests = yield* send("GET", `/api/notifications?bookingId=${y}`, callers.admin)
      expect(guests.body.items.map((item: any) => item.bookingId)).toEqual([y])
      // The recipient filter narrows a booking's history and reaches no further.
      const narrowed = yield* send("GET", `/api/notifications?bookingId=${x}&recipient=grace%40example.com`, callers.customerA)
      expect([narrowed.status, narrowed.body.items]).toEqual([200, []])
    }), { layer: quiet })

  EffectTest.effect("a caller refused a booking gets the very 404 of a booking notification never heard of, with nothing of the booking in it", () =>
    Effect.gen(function* () {
      const { bearer, bookings: { w, x, y, z }, callers, issuer, send } = yield* setUp
      // An account's token naming booking X is no guest token of X: only booking's guest issuer signs those.
      const namingX = bearer(yield* issuer.sign({ sub: `guest:${x}`, bookingId: x }))
      const unknown = yield* send("GET", `/api/notifications?bookingId=${z}`, callers.customerB)
      expect(unknown.status).toBe(404)
      expect(unknown.body).toMatchObject({ status: 404, type: "booking-not-found" })
      for (const [caller, booking] of [
        [callers.customerB, x], // another customer on A's booking
        [callers.customerB, `${x}&recipient=ada%40example.com`],
        [callers.customerA, y], // a customer on a guest's booking
        [callers.guestOfX, y], // X's guest token on another booking
        [callers.customerA, w], // a booking version 1 announced: no owner known
        [callers.customerA, z], // even its would-be owner, before notification heard of it
        [namingX, x],
      ] as const) {
        const refused = yield* send("GET", `/api/notifications?bookingId=${booking}`, caller)
        expect([booking, refused.status, refused.body]).toEqual([booking, 404, unknown.body])
        expect([booking, refused.challenge]).toEqual([booking, null])
        const text = JSON.stringify(refused.body)
        for (const secret of [x, y, w, "ada@example.com", "X7K2QP", "booking-received"]) expect([booking, text.includes(secret)]).toEqual([booking, false])
      }
    }), { layer: quiet })

  EffectTest.effect("a booking's guest token reads its history before booking.created reached notification: an empty list, then the notifications", () =>
    Effect.gen(function* () {
      const { bearer, callers, issuer, send } = yield* setUp
      const early = newBooking()
      const guest = bearer(yield* issuer.guest(early))
      const before = yield* send("GET", `/api/notifications?bookingId=${early}`, guest)
      expect([before.status, before.body]).toEqual([200, { items: [], nextCursor: null }])
      expect((yield* send("GET", `/api/notifications?bookingId=${early}`, callers.customerA)).status).toBe(404)
      expect((yield* send("GET", `/api/notifications?bookingId=${early}`, callers.ops)).body).toEqual({ items: [], nextCursor: null })
    }), { layer: quiet })

  EffectTest.effect("POST /api/notifications: an invalid body is a 400 for ops only", () =>
    Effect.gen(function* () {
      const { callers, send } = yield* setUp
      for (const body of ["{not json", { ...notification, template: "no-such-template" }, { channel: "fax" }]) {
        expect((yield* send("POST", "/api/notifications", callers.anonymous, body)).status).toBe(401)
        expect((yield* send("POST", "/api/notifications", callers.customerA, body)).status).toBe(403)
        expect((yield* send("POST", "/api/notifications", callers.guestOfX, body)).status).toBe(403)
        expect((yield* send("POST", "/api/notifications", callers.ops, body)).status).toBe(400)
      }
    }), { layer: quiet })

  EffectTest.effect("hostile tokens are a 401 invalid_token at every notification route, a booking's history included", () =>
    Effect.gen(function* () {
      const { bookings: { x, z }, issuer, send } = yield* setUp
      const routes = [
        ["GET", `/api/notifications?bookingId=${x}`, undefined],
        ["GET", `/api/notifications?bookingId=${z}`, undefined],
        ["GET", "/api/notifications", undefined],
        ["GET", "/api/notifications?recipient=ada%40example.com", undefined],
        ["POST", "/api/notifications", notification],
      ] as const
      for (const [name, token] of Object.entries(yield* HostileTokens.make(issuer))) {
        for (const [method, path, body] of routes) {
          const answer = yield* send(method, path, { authorization: `Bearer ${token}` }, body)
          expect([name, method, path, answer.status, answer.challenge?.startsWith('Bearer error="invalid_token"')]).toEqual([name, method, path, 401, true])
        }
      }
    }), { layer: quiet })
})
