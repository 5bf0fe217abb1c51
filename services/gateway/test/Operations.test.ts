/**
 * The gateway's operations routes for admins: every service's readiness asked by the gateway (ready,
 * not ready with what it named, unreachable), and a service's metrics forwarded to its `/metrics`.
 * Nobody but an admin gets either.
 */
import { TestIssuer } from "@flight/auth/testing"
import { HttpAssertions } from "@flight/runtime/testing"
import { beforeAll, describe, expect, test } from "bun:test"
import { Problem } from "@flight/runtime"
import { Effect } from "effect"
import * as Operations from "../src/api/Operations.ts"
import { allUpstreams } from "../src/domain/Upstream.ts"
import { config, echoes, type EchoServer, json, lifetime, start, urlsOf } from "./support/Gateway.ts"

const hold = lifetime()

let base: string
let booking: EchoServer
let tokens: { readonly admin: string; readonly ops: string; readonly customer: string }

/** A service whose store is down: `/health/ready` answers the runtime's 503 problem naming it. */
const notReady = Effect.acquireRelease(
  Effect.sync(() =>
    Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () =>
        Response.json(
          { type: "dependency-unavailable", title: "Service unavailable", status: 503, errors: [{ path: "postgres", message: "unavailable" }] },
          { status: 503, headers: { "content-type": "application/problem+json" } },
        ),
    })
  ),
  (server) => Effect.promise(() => server.stop(true)),
)

beforeAll(async () => {
  await hold(Effect.gen(function* () {
    const issuer = yield* TestIssuer.make()
    const servers = yield* echoes
    booking = servers.booking
    const payment = yield* notReady
    // Nobody listens where the notification service should be.
    const stopped = servers.notification
    yield* Effect.promise(() => stopped.stop())
    const urls = { ...urlsOf(servers), payment: new URL(`http://127.0.0.1:${payment.port}`) }
    base = yield* start(config(urls, issuer.settings))
    tokens = {
      admin: yield* issuer.staff("admin-1", ["admin"]),
      ops: yield* issuer.staff("ops-1", ["ops"]),
      customer: yield* issuer.customer("customer-1"),
    }
  }))
})

const get = (path: string, token?: string) => fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

describe("GET /api/operations/readiness", () => {
  test("tells an admin each service's state: ready, not ready with what it named, unreachable", async () => {
    const answer = await json(await get("/api/operations/readiness", tokens.admin))
    expect(answer.status).toBe(200)
    expect(answer.body.ready).toBe(false)
    const byService = Object.fromEntries(answer.body.services.map((service: { service: string }) => [service.service, service]))
    expect(Object.keys(byService).toSorted()).toEqual(["gateway", ...allUpstreams].toSorted())
    expect(byService.gateway).toEqual({ service: "gateway", state: "ready", status: 200, unavailable: [] })
    expect(byService.booking).toEqual({ service: "booking", state: "ready", status: 200, unavailable: [] })
    expect(byService.web.state).toBe("ready")
    expect(byService.payment).toEqual({ service: "payment", state: "not-ready", status: 503, unavailable: ["postgres"] })
    expect(byService.notification).toEqual({ service: "notification", state: "unreachable", status: null, unavailable: [] })
  })

  test("the gateway's own readiness names the checks that failed", async () => {
    const down = Problem.make({ status: 503, type: "dependency-unavailable", errors: [{ path: "rate-limit store (redis)", message: "unavailable" }] })
    expect(await Effect.runPromise(Operations.own(Effect.fail(down)))).toEqual({
      service: "gateway",
      state: "not-ready",
      status: 503,
      unavailable: ["rate-limit store (redis)"],
    })
  })

  test("anyone else is refused: 401 without a token, 403 for ops and customers", async () => {
    HttpAssertions.expectProblem(await json(await get("/api/operations/readiness")), 401, "unauthorized")
    HttpAssertions.expectProblem(await json(await get("/api/operations/readiness", tokens.ops)), 403, "forbidden")
    HttpAssertions.expectProblem(await json(await get("/api/operations/readiness", tokens.customer)), 403, "forbidden")
  })

  test("is documented in the gateway's own OpenAPI document", async () => {
    const document = await json(await get("/openapi.json"))
    expect(Object.keys(document.body.paths)).toContain("/api/operations/readiness")
  })
})

describe("GET /api/operations/{service}/metrics", () => {
  test("is forwarded to the service's /metrics with the caller's token, which the service checks", async () => {
    const answer = await json(await get("/api/operations/booking/metrics", tokens.admin))
    expect(answer.body).toMatchObject({ upstream: "booking", method: "GET", path: "/metrics" })
    expect(answer.body.headers.authorization).toBe(`Bearer ${tokens.admin}`)
    const identity = await json(await get("/api/operations/identity/metrics", tokens.admin))
    expect(identity.body).toMatchObject({ upstream: "identity", path: "/metrics" })
  })

  test("anyone but an admin is refused at the gateway, naming the path asked for; a query is a 400; another method a 405; none reaches the service", async () => {
    const before = booking.count()
    const path = "/api/operations/booking/metrics"
    for (const [token, status] of [[undefined, 401], [tokens.ops, 403], [tokens.customer, 403]] as const) {
      const answer = await json(await get(path, token))
      expect([answer.status, answer.body.instance]).toEqual([status, path])
    }
    const queried = await json(await get(`${path}?x=1`, tokens.admin))
    HttpAssertions.expectProblem(queried, 400, "validation-failed")
    for (const method of ["POST", "DELETE", "OPTIONS"]) {
      const answered = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${tokens.admin}` } })
      expect([method, answered.status, answered.headers.get("allow")]).toEqual([method, 405, "GET, HEAD"])
    }
    expect(booking.count()).toBe(before)
  })

  test("a forged token stops at the gateway; a service that is down is a 503 problem", async () => {
    HttpAssertions.expectProblem(await json(await get("/api/operations/booking/metrics", "not-a-token")), 401, "unauthorized")
    HttpAssertions.expectProblem(await json(await get("/api/operations/notification/metrics", tokens.admin)), 503, "upstream-unavailable")
  })
})
