/**
 * Who may call each route of the booking service (DESIGN §10): the seat map and the booking routes
 * are open to every caller at the door (a booking's own rule then answers 404 to anyone it does not
 * admit: BookingRoutes.test, "guest tokens, owners and manage"); /metrics is for admins. The matrix over HTTP (anonymous, customer, ops, admin), and the hostile
 * tokens refused.
 */
import { HostileTokens, TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Layer, Logger } from "effect"
import * as BookingApi from "../src/api/BookingApi.ts"
import { inMemoryLayer } from "../src/main.ts"
import { testSecurity } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const unknown = "01890a5d-ac96-774b-bcce-b302099a8057"

const setUp = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  const runtime = yield* Layer.toRuntime(Layer.mergeAll(inMemoryLayer(), Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), testSecurity()))
  const app = BookingApi.make(runtime)
  const callers = yield* Effect.provide(TestIssuer.callers(), runtime)
  const issuer = yield* Effect.provide(TestIssuer.Issuer, runtime)
  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    Effect.promise(async () => {
      const response = await app.fetch(new Request(`http://booking.test${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }))
      await response.arrayBuffer()
      return { status: response.status, challenge: response.headers.get("www-authenticate") }
    })
  return { send, callers, issuer }
})

describe("booking routes: who may call them", () => {
  EffectTest.effect("the open routes answer every caller alike, never 401 or 403; /metrics only an admin", () =>
    Effect.gen(function* () {
      const { callers, send } = yield* setUp
      const open: ReadonlyArray<readonly [string, string, unknown, Record<string, string>?]> = [
        ["GET", `/api/seatmaps/${unknown}`, undefined],
        ["POST", "/api/bookings", { flightId: unknown, cabin: "economy", passengers: [{ firstName: "Ada", lastName: "Lovelace" }], contact: { email: "ada@example.com" } }],
        ["GET", `/api/bookings/${unknown}`, undefined],
        ["GET", "/api/bookings?reference=X7K2QP&lastName=Lovelace", undefined],
        ["POST", `/api/bookings/${unknown}/cancel`, undefined],
        ["GET", "/health/live", undefined],
        ["GET", "/health/ready", undefined],
        ["GET", "/openapi.json", undefined],
      ]
      for (const [method, path, body, headers] of open) {
        const statuses = []
        for (const caller of [callers.anonymous, callers.customer, callers.ops, callers.admin]) {
          statuses.push((yield* send(method, path, { ...headers, ...caller }, body)).status)
        }
        expect([method, path, statuses.some((status) => status === 401 || status === 403)]).toEqual([method, path, false])
        expect([method, path, new Set(statuses).size]).toEqual([method, path, 1])
      }
      const metrics = []
      for (const caller of [callers.anonymous, callers.customer, callers.ops, callers.admin]) metrics.push(yield* send("GET", "/metrics", caller))
      expect(metrics.map((answer) => answer.status)).toEqual([401, 403, 403, 200])
      expect(metrics[0]!.challenge).toBe("Bearer")
    }), { layer: quiet })

  EffectTest.effect("hostile tokens are a 401 invalid_token at /metrics, and at an open route too", () =>
    Effect.gen(function* () {
      const { issuer, send } = yield* setUp
      for (const [name, token] of Object.entries(yield* HostileTokens.make(issuer))) {
        const metrics = yield* send("GET", "/metrics", { authorization: `Bearer ${token}` })
        expect([name, metrics.status, metrics.challenge?.startsWith('Bearer error="invalid_token"')]).toEqual([name, 401, true])
        expect([name, (yield* send("GET", `/api/seatmaps/${unknown}`, { authorization: `Bearer ${token}` })).status]).toEqual([name, 401])
      }
    }), { layer: quiet })
})
