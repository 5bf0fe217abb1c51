/**
 * Who may call each route of the flight service (DESIGN §10): the policy as pure functions, and the
 * matrix over HTTP (anonymous, customer, ops, admin) with the hostile tokens refused.
 */
import { Principal } from "@flight/auth"
import { HostileTokens, TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Effect, Layer, Logger } from "effect"
import * as FlightApi from "../src/api/FlightApi.ts"
import * as FlightPolicy from "../src/application/FlightPolicy.ts"
import { inMemoryLayer } from "../src/main.ts"
import { scheduleInput } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

describe("FlightPolicy", () => {
  const customer = new Principal.Customer({ sub: "ada", roles: ["customer"] })
  const guest = new Principal.GuestBooking({ sub: "guest:1", bookingId: "01890a5d-ac96-774b-bcce-b302099a8057" as never })
  const ops = new Principal.Staff({ sub: "olga", roles: ["ops"] })
  const admin = new Principal.Staff({ sub: "ann", roles: ["admin"] })

  test("ops and admin schedule flights, change their status and list a day's departures; customers and guests do not", () => {
    expect([customer, guest, ops, admin].map(FlightPolicy.canSchedule)).toEqual([false, false, true, true])
    expect([customer, guest, ops, admin].map(FlightPolicy.canChangeStatus)).toEqual([false, false, true, true])
    expect([customer, guest, ops, admin].map(FlightPolicy.canListDepartures)).toEqual([false, false, true, true])
  })
})

const setUp = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  const runtime = yield* Layer.toRuntime(Layer.mergeAll(inMemoryLayer, Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), TestIssuer.layer()))
  const app = FlightApi.make(runtime)
  const callers = yield* Effect.provide(TestIssuer.callers(), runtime)
  const issuer = yield* Effect.provide(TestIssuer.Issuer, runtime)
  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    Effect.promise(async () => {
      const response = await app.fetch(new Request(`http://flight.test${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }))
      const text = await response.text()
      const json = response.headers.get("content-type")?.includes("json") === true
      return { status: response.status, challenge: response.headers.get("www-authenticate"), body: (json ? JSON.parse(text) : text) as any }
    })
  const scheduled = yield* send("POST", "/api/flights", callers.ops, scheduleInput)
  expect(scheduled.status).toBe(201)
  return { send, callers, issuer, flightId: scheduled.body.id as string }
})

describe("flight routes: who may call them", () => {
  EffectTest.effect("every route answers anonymous, customer, ops and admin as the rules say", () =>
    Effect.gen(function* () {
      const { callers, flightId, send } = yield* setUp
      let n = 0
      const schedule = () => ({ ...scheduleInput, flightNumber: `BA${100 + ++n}` })
      const routes: ReadonlyArray<readonly [string, string, () => unknown, readonly [number, number, number, number]]> = [
        ["GET", "/api/flights?origin=LHR&destination=JFK&date=2026-12-01", () => undefined, [200, 200, 200, 200]],
        ["GET", `/api/flights/${flightId}`, () => undefined, [200, 200, 200, 200]],
        ["GET", "/api/flights/departures?date=2026-12-01", () => undefined, [401, 403, 200, 200]],
        ["POST", "/api/flights", schedule, [401, 403, 201, 201]],
        ["PATCH", `/api/flights/${flightId}/status`, () => ({ status: "delayed", departureAt: `2026-12-01T1${++n % 10}:30:00Z` }), [401, 403, 200, 200]],
        ["GET", "/metrics", () => undefined, [401, 403, 403, 200]],
        ["GET", "/health/live", () => undefined, [200, 200, 200, 200]],
        ["GET", "/health/ready", () => undefined, [200, 200, 200, 200]],
        ["GET", "/openapi.json", () => undefined, [200, 200, 200, 200]],
      ]
      for (const [method, path, body, expected] of routes) {
        const answers = []
        for (const caller of [callers.anonymous, callers.customer, callers.ops, callers.admin]) {
          answers.push(yield* send(method, path, caller, body()))
        }
        expect([method, path, answers.map((answer) => answer.status)]).toEqual([method, path, [...expected]])
        if (expected[0] === 401) expect(answers[0]!.challenge).toBe("Bearer")
        if (expected[1] === 403) expect(answers[1]!.body.type).toBe("forbidden")
      }
    }), { layer: quiet })

  EffectTest.effect("an invalid body is a 400 for ops only: anonymous and customers learn nothing from it", () =>
    Effect.gen(function* () {
      const { callers, flightId, send } = yield* setUp
      for (const [method, path] of [["POST", "/api/flights"], ["PATCH", `/api/flights/${flightId}/status`]] as const) {
        for (const body of ["{not json", { status: "teleported" }, { ...scheduleInput, origin: "LHR", destination: "LHR" }]) {
          expect((yield* send(method, path, callers.anonymous, body)).status).toBe(401)
          expect((yield* send(method, path, callers.customer, body)).status).toBe(403)
          expect((yield* send(method, path, callers.ops, body)).status).toBe(400)
        }
      }
    }), { layer: quiet })

  EffectTest.effect("a day's departures are for ops and admin, a cancelled flight listed with its status; a bad query is a 400 for them only", () =>
    Effect.gen(function* () {
      const { callers, flightId, send } = yield* setUp
      expect((yield* send("PATCH", `/api/flights/${flightId}/status`, callers.ops, { status: "cancelled" })).status).toBe(200)
      for (const caller of [callers.ops, callers.admin]) {
        const listed = yield* send("GET", "/api/flights/departures?date=2026-12-01", caller)
        expect(listed.status).toBe(200)
        expect(listed.body.items.map((flight: { id: string; status: string }) => [flight.id, flight.status])).toEqual([[flightId, "cancelled"]])
      }
      const bad = "/api/flights/departures?date=2026-12-01&status=teleported"
      expect((yield* send("GET", bad, callers.anonymous)).status).toBe(401)
      expect((yield* send("GET", bad, callers.customer)).status).toBe(403)
      expect((yield* send("GET", bad, callers.ops)).status).toBe(400)
    }), { layer: quiet })

  EffectTest.effect("hostile tokens are a 401 invalid_token at PATCH /api/flights/{id}/status, and on the open search too", () =>
    Effect.gen(function* () {
      const { flightId, issuer, send } = yield* setUp
      for (const [name, token] of Object.entries(yield* HostileTokens.make(issuer))) {
        const changed = yield* send("PATCH", `/api/flights/${flightId}/status`, { authorization: `Bearer ${token}` }, { status: "cancelled" })
        expect([name, changed.status, changed.challenge?.startsWith('Bearer error="invalid_token"')]).toEqual([name, 401, true])
        const searched = yield* send("GET", `/api/flights/${flightId}`, { authorization: `Bearer ${token}` })
        expect([name, searched.status]).toEqual([name, 401])
      }
      const flight = yield* send("GET", `/api/flights/${flightId}`, {})
      expect(flight.body.status).toBe("scheduled")
    }), { layer: quiet })

  EffectTest.effect("/openapi.json documents the bearer scheme, and 401/403 exactly where the rules put them", () =>
    Effect.gen(function* () {
      const { callers, send } = yield* setUp
      const doc = (yield* send("GET", "/openapi.json", callers.anonymous)).body
      expect(doc.components.securitySchemes.bearerAuth.scheme).toBe("bearer")
      expect(doc.paths["/api/flights"].post.security).toEqual([{ bearerAuth: [] }])
      expect(Object.keys(doc.paths["/api/flights"].post.responses)).toContain("403")
      expect(Object.keys(doc.paths["/api/flights/{id}/status"].patch.responses)).toContain("403")
      expect(doc.paths["/api/flights"].get.security).toEqual([{}, { bearerAuth: [] }])
      expect(Object.keys(doc.paths["/api/flights"].get.responses)).not.toContain("403")
      expect(doc.paths["/api/flights/departures"].get.security).toEqual([{ bearerAuth: [] }])
      expect(Object.keys(doc.paths["/api/flights/departures"].get.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403"]))
    }), { layer: quiet })
})
