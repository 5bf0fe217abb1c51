/**
 * Who may call each route of the notification service (DESIGN §10): the policy as pure functions,
 * and the matrix over HTTP (anonymous, customer, ops, admin) with the hostile tokens refused.
 */
import { Principal } from "@flight/auth"
import { HostileTokens, TestIssuer } from "@flight/auth/testing"
import { InProcessBus, MessageBus } from "@flight/bus"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Effect, Either, Layer, Logger, Option } from "effect"
import * as NotificationApi from "../src/api/NotificationApi.ts"
import * as NotificationAccess from "../src/application/NotificationAccess.ts"
import { serviceLayer } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const bookingId = "01890a5d-ac96-774b-bcce-b302099a8057"

describe("NotificationAccess", () => {
  const customer = new Principal.Customer({ sub: "ada", roles: ["customer"] })
  const guest = new Principal.GuestBooking({ sub: "guest:1", bookingId: bookingId as never })
  const ops = new Principal.Staff({ sub: "olga", roles: ["ops"] })
  const admin = new Principal.Staff({ sub: "ann", roles: ["admin"] })

  test("ops and admin send notifications and read the whole history; customers and guests do not", () => {
    expect([customer, guest, ops, admin].map(NotificationAccess.canSend)).toEqual([false, false, true, true])
    expect([customer, guest, ops, admin].map(NotificationAccess.canReadAll)).toEqual([false, false, true, true])
  })

  test("the history without a booking: 401 anonymous, 403 customer; with a booking: anyone, for now", () => {
    const status = (caller: Option.Option<Principal.Principal>, booking: Option.Option<string>) =>
      Either.match(NotificationAccess.canReadHistory(caller, { bookingId: booking }), { onLeft: (p) => p.status, onRight: () => 200 })
    const callers = [Option.none(), Option.some(customer), Option.some(guest), Option.some(ops), Option.some(admin)]
    expect(callers.map((caller) => status(caller, Option.none()))).toEqual([401, 403, 403, 200, 200])
    expect(callers.map((caller) => status(caller, Option.some(bookingId)))).toEqual([200, 200, 200, 200, 200])
  })
})

const setUp = Effect.gen(function* () {
  const { bus } = yield* InProcessBus.make()
  const runtime = yield* Layer.toRuntime(Layer.mergeAll(serviceLayer(), Layer.succeed(MessageBus, bus), TestIssuer.layer()))
  const app = NotificationApi.make(runtime)
  const callers = yield* Effect.provide(TestIssuer.callers(), runtime)
  const issuer = yield* Effect.provide(TestIssuer.Issuer, runtime)
  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    Effect.promise(async () => {
      const response = await app.fetch(new Request(`http://notification.test${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }))
      const text = await response.text()
      const json = response.headers.get("content-type")?.includes("json") === true
      return { status: response.status, challenge: response.headers.get("www-authenticate"), body: (json ? JSON.parse(text) : text) as any }
    })
  return { send, callers, issuer }
})

const notification = { channel: "email", recipient: "ada@example.com", template: "booking-expired", data: { reference: "X7K2QP" } }

describe("notification routes: who may call them", () => {
  EffectTest.effect("every route answers anonymous, customer, ops and admin as the rules say", () =>
    Effect.gen(function* () {
      const { callers, send } = yield* setUp
      const routes: ReadonlyArray<readonly [string, string, unknown, readonly [number, number, number, number]]> = [
        ["GET", "/api/notifications", undefined, [401, 403, 200, 200]],
        ["GET", "/api/notifications?recipient=ada%40example.com", undefined, [401, 403, 200, 200]],
        ["GET", `/api/notifications?bookingId=${bookingId}`, undefined, [200, 200, 200, 200]],
        ["POST", "/api/notifications", notification, [401, 403, 202, 202]],
        ["GET", "/metrics", undefined, [401, 403, 403, 200]],
        ["GET", "/health/live", undefined, [200, 200, 200, 200]],
        ["GET", "/health/ready", undefined, [200, 200, 200, 200]],
        ["GET", "/openapi.json", undefined, [200, 200, 200, 200]],
      ]
      for (const [method, path, body, expected] of routes) {
        const answers = []
        for (const caller of [callers.anonymous, callers.customer, callers.ops, callers.admin]) answers.push(yield* send(method, path, caller, body))
        expect([method, path, answers.map((answer) => answer.status)]).toEqual([method, path, [...expected]])
        if (expected[0] === 401) expect(answers[0]!.challenge).toBe("Bearer")
        if (expected[1] === 403) expect(answers[1]!.body.type).toBe("forbidden")
      }
    }), { layer: quiet })

  EffectTest.effect("POST /api/notifications: an invalid body is a 400 for ops only", () =>
    Effect.gen(function* () {
      const { callers, send } = yield* setUp
      for (const body of ["{not json", { ...notification, template: "no-such-template" }, { channel: "fax" }]) {
        expect((yield* send("POST", "/api/notifications", callers.anonymous, body)).status).toBe(401)
        expect((yield* send("POST", "/api/notifications", callers.customer, body)).status).toBe(403)
        expect((yield* send("POST", "/api/notifications", callers.ops, body)).status).toBe(400)
      }
    }), { layer: quiet })

  EffectTest.effect("hostile tokens are a 401 invalid_token at POST /api/notifications", () =>
    Effect.gen(function* () {
      const { issuer, send } = yield* setUp
      for (const [name, token] of Object.entries(yield* HostileTokens.make(issuer))) {
        const answer = yield* send("POST", "/api/notifications", { authorization: `Bearer ${token}` }, notification)
        expect([name, answer.status, answer.challenge?.startsWith('Bearer error="invalid_token"')]).toEqual([name, 401, true])
      }
    }), { layer: quiet })
})
