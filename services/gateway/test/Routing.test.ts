/**
 * The gateway in front of services that echo what they receive: every API prefix reaches its
 * service with its path and query, the headers only the gateway may set are its own, a token is
 * verified before anything is forwarded, and a service down, slow or broken is a problem+json while
 * the other routes go on.
 */
import { HostileTokens, TestIssuer } from "@flight/auth/testing"
import { HttpAssertions, RawHttp } from "@flight/runtime/testing"
import { beforeAll, describe, expect, test } from "bun:test"
import { Duration, Effect } from "effect"
import { allUpstreams, type Upstream } from "../src/domain/Upstream.ts"
import { config, echo, echoes, type EchoServer, garbage, json, lifetime, start, urlsOf } from "./support/Gateway.ts"

const hold = lifetime()

let base: string
let issuer: TestIssuer.TestIssuer
let hostile: Readonly<Record<string, string>>
let servers: Record<Upstream, EchoServer>

beforeAll(async () => {
  await hold(Effect.gen(function* () {
    issuer = yield* TestIssuer.make()
    hostile = yield* HostileTokens.make(issuer)
    servers = yield* echoes
    base = yield* start(config(urlsOf(servers), issuer.settings))
  }))
})

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers })

describe("routing", () => {
  test("every API prefix reaches its service, with its path and query as sent", async () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["/api/flights", "flight"],
      ["/api/flights/0193e0a0-0000-7000-8000-000000000000?cabin=economy", "flight"],
      ["/api/flights/0193e0a0-0000-7000-8000-000000000000/status", "flight"],
      ["/api/bookings?mine=true", "booking"],
      ["/api/bookings/manage", "booking"],
      ["/api/bookings/.well-known/jwks.json", "booking"],
      ["/api/seatmaps/0193e0a0-0000-7000-8000-000000000000?cabin=economy", "booking"],
      ["/api/payments", "payment"],
      ["/api/payments/abc", "payment"],
      ["/api/notifications?bookingId=x", "notification"],
      ["/api/operations/booking/dead-letters?limit=10", "booking"],
      ["/api/operations/flight/dead-letters", "flight"],
      ["/api/operations/payment/dead-letters", "payment"],
      ["/api/operations/notification/dead-letters/abc/replay", "notification"],
      ["/api/auth/sign-in/email", "identity"],
      ["/api/auth/jwks", "identity"],
      ["/.well-known/openid-configuration", "identity"],
    ]
    for (const [path, upstream] of cases) {
      const answer = await json(await get(path))
      expect({ path, status: answer.status, upstream: answer.body.upstream, seen: answer.body.path }).toEqual({ path, status: 200, upstream, seen: path })
    }
  })

  test("methods and bodies go through unchanged", async () => {
    const body = JSON.stringify({ flightId: "f", passengers: [{ firstName: "Ada" }] })
    const answer = await json(await fetch(`${base}/api/bookings`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": "k-1" }, body }))
    expect(answer.body).toMatchObject({ upstream: "booking", method: "POST", path: "/api/bookings", body })
    expect(answer.body.headers["idempotency-key"]).toBe("k-1")
    const patched = await json(await fetch(`${base}/api/flights/x/status`, { method: "PATCH", headers: { "content-type": "application/json" }, body: "{}" }))
    expect(patched.body).toMatchObject({ upstream: "flight", method: "PATCH", body: "{}" })
  })

  test("a method no API or page serves (TRACE) is the gateway's own problem on any path, a 405 with Allow on an API's, and nothing is forwarded", async () => {
    const before = Object.values(servers).reduce((sum, upstream) => sum + upstream.count(), 0)
    const url = new URL(base)
    for (const path of ["/api/flights", "/api/bookings/x", "/", "/docs"]) {
      const answer = await RawHttp.send(Number(url.port), `TRACE ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)
      expect([path, answer.headers["content-type"]]).toEqual([path, "application/problem+json"])
      if (path.startsWith("/api/")) {
        expect([path, answer.status, answer.headers["allow"], JSON.parse(answer.body).type]).toEqual([path, 405, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", "method-not-allowed"])
      } else {
        expect([path, answer.status]).toEqual([path, 404])
      }
      // As every answer of the gateway: its request id and its secure headers.
      expect(answer.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
      expect(answer.headers["x-content-type-options"]).toBe("nosniff")
    }
    expect(Object.values(servers).reduce((sum, upstream) => sum + upstream.count(), 0)).toBe(before)
  })

  test("a service's redirect goes back to the client as it is", async () => {
    const response = await fetch(`${base}/api/flights/redirect`, { redirect: "manual" })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe("/elsewhere")
  })

  test("an unknown API path is a 404 problem, and a prefix only matches whole segments", async () => {
    for (const path of ["/api", "/api/nope", "/api/flightsx", "/api/authx/sign-in/email", "/api/operations/bookingx/dead-letters", "/api/operations/identity/dead-letters"]) {
      const answer = await json(await get(path))
      HttpAssertions.expectProblem(answer, 404, "not-found")
    }
    expect(allUpstreams.reduce((total, upstream) => total + servers[upstream].count(), 0)).toBeGreaterThan(0)
  })

  test("every other path is the web site's: pages, forms and assets, with the site's own policy and cookies", async () => {
    for (const path of ["/", "/ops", "/bookings/manage?reference=X7K2QP", "/assets/site.css", "/.well-known/other", "/openapix"]) {
      const answer = await json(await get(path))
      expect({ path, status: answer.status, upstream: answer.body.upstream, seen: answer.body.path }).toEqual({ path, status: 200, upstream: "web", seen: path })
    }
    const form = await json(await fetch(`${base}/search`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie: "session=s1" }, body: "origin=LHR" }))
    expect(form.body).toMatchObject({ upstream: "web", method: "POST", body: "origin=LHR" })
    expect(form.body.headers["cookie"]).toBe("session=s1")
    const page = await get("/page")
    expect(await page.text()).toBe("<p>web</p>")
    expect(page.headers.get("content-security-policy")).toBe("default-src 'self'; form-action 'self'")
    expect(page.headers.get("set-cookie")).toBe("session=s1; HttpOnly; Path=/; SameSite=Lax")
    expect(page.headers.get("x-request-id")).toBeString()
    // The gateway's own paths stay its own.
    const before = servers.web.count()
    for (const path of ["/health/live", "/docs", "/openapi.json", "/metrics"]) await (await get(path)).arrayBuffer()
    expect(servers.web.count()).toBe(before)
  })

  test("a token sent to the site is not the gateway's to verify: the page decides", async () => {
    const answer = await json(await get("/ops", { authorization: "Bearer not-a-token" }))
    expect([answer.status, answer.body.upstream]).toEqual([200, "web"])
  })
})

describe("headers only the gateway sets", () => {
  test("client-sent forwarding headers are dropped: the service sees the connection's address in X-Forwarded-For", async () => {
    const answer = await json(await get("/api/flights", {
      "x-forwarded-for": "6.6.6.6",
      "x-real-ip": "6.6.6.6",
      forwarded: "for=6.6.6.6;proto=https",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
      "true-client-ip": "6.6.6.6",
      "x-client-ip": "6.6.6.6",
    }))
    const seen = answer.body.headers as Record<string, string>
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1")
    for (const name of ["x-real-ip", "forwarded", "x-forwarded-host", "x-forwarded-proto", "true-client-ip", "x-client-ip"]) expect(seen[name]).toBeUndefined()
    expect(seen["host"]).toBe(servers.flight.url.host)
  })

  test("a well-formed request id is forwarded and returned; any other is replaced by one of the gateway's", async () => {
    const kept = await json(await get("/api/flights", { "x-request-id": "client-req-0001" }))
    expect(kept.body.headers["x-request-id"]).toBe("client-req-0001")
    expect(kept.headers.get("x-request-id")).toBe("client-req-0001")
    const replaced = await json(await get("/api/flights", { "x-request-id": "bad id; with spaces" }))
    const id = replaced.headers.get("x-request-id")!
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(replaced.body.headers["x-request-id"]).toBe(id)
    const none = await json(await get("/api/flights"))
    expect(none.headers.get("x-request-id")).toBe(none.body.headers["x-request-id"])
    // Also on the gateway's own answers.
    expect((await get("/nope")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
  })

  test("one trace from the client down: the service's parent is the gateway's span, which the response names", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    const answer = await json(await get("/api/flights", { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "vendor=x" }))
    const upstream = answer.body.headers["traceparent"] as string
    expect(upstream).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
    expect(upstream).not.toContain("00f067aa0ba902b7")
    expect(answer.body.headers["tracestate"]).toBeUndefined()
    // The response names the gateway's span (not the service's own, which the echo sets).
    expect(answer.headers.get("traceparent")).toBe(upstream)
    const fresh = await json(await get("/api/flights", { traceparent: "garbage" }))
    expect(fresh.body.headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
  })

  test("responses carry the secure headers", async () => {
    const response = await get("/api/flights")
    expect(response.headers.get("x-content-type-options")).toBe("nosniff")
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN")
    expect(response.headers.get("referrer-policy")).toBe("no-referrer")
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
    expect(response.headers.get("access-control-allow-origin")).toBeNull()
  })
})

describe("tokens verified at the gateway", () => {
  test("a valid customer, staff or guest token goes through with its Authorization header; so does no token", async () => {
    for (const token of [await Effect.runPromise(issuer.customer("alice")), await Effect.runPromise(issuer.staff("olga", ["ops"])), await Effect.runPromise(issuer.guest("0193e0a0-0000-7000-8000-000000000001"))]) {
      const answer = await json(await get("/api/bookings/x", { authorization: `Bearer ${token}` }))
      expect(answer.status).toBe(200)
      expect(answer.body.headers["authorization"]).toBe(`Bearer ${token}`)
    }
    expect((await get("/api/bookings/x")).status).toBe(200)
  })

  test("every hostile token is a 401 with a Bearer challenge at the gateway, and the service never sees it", async () => {
    const before = servers.payment.count()
    for (const [name, token] of Object.entries(hostile)) {
      const response = await get("/api/payments", { authorization: `Bearer ${token}` })
      const answer = await json(response)
      expect({ name, status: answer.status }).toEqual({ name, status: 401 })
      HttpAssertions.expectProblem(answer, 401, "unauthorized")
      expect(response.headers.get("www-authenticate")).toStartWith('Bearer error="invalid_token"')
    }
    expect(servers.payment.count()).toBe(before)
  })

  test("an expired token is refused as expired", async () => {
    const expired = await Effect.runPromise(issuer.customer("alice", { expiresIn: -3600 }))
    const response = await get("/api/flights", { authorization: `Bearer ${expired}` })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toContain("expired")
  })

  test("malformed credentials are a 401, never forwarded, never a 5xx", async () => {
    for (const authorization of ["Bearer", "Bearer a b", "Bearer \u00e9t\u00e9", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt"]) {
      const response = await fetch(`${base}/api/flights`, { headers: { authorization } }).catch(() => undefined)
      if (response === undefined) continue // a value no HTTP client sends
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 })
    }
  })

  test("identity's routes take better-auth's opaque session token: it is not verified at the gateway", async () => {
    const answer = await json(await get("/api/auth/token", { authorization: "Bearer opaque-session-token" }))
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ upstream: "identity", path: "/api/auth/token" })
  })
})

describe("bad input", () => {
  test("a body over the limit is a 413 problem, by its Content-Length or as it streams, and is never forwarded", async () => {
    const before = servers.booking.count()
    const big = "x".repeat(64 * 1024 + 1)
    const declared = await json(await fetch(`${base}/api/bookings`, { method: "POST", headers: { "content-type": "application/json" }, body: big }))
    HttpAssertions.expectProblem(declared, 413, "payload-too-large")
    const streamed = await json(await fetch(`${base}/api/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode("y".repeat(20 * 1024)))
          controller.close()
        },
      }),
      duplex: "half",
    } as RequestInit))
    HttpAssertions.expectProblem(streamed, 413, "payload-too-large")
    expect(servers.booking.count()).toBe(before)
  })

  test("a request without a valid Host is a 400 problem, not a 5xx", async () => {
    const port = Number(new URL(base).port)
    const answer = await RawHttp.send(port, "GET /api/flights HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n")
    expect(answer.status).toBe(400)
    expect(answer.headers["content-type"]).toContain("application/problem+json")
  })

  test("a manage request whose body is not JSON is forwarded for the service to refuse", async () => {
    const answer = await json(await fetch(`${base}/api/bookings/manage`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }))
    expect(answer.body).toMatchObject({ upstream: "booking", body: "{not json" })
  })
})

describe("health, metrics and the gateway's own documents", () => {
  test("live and ready (the memory store is always up)", async () => {
    expect((await get("/health/live")).status).toBe(200)
    expect((await get("/health/ready")).status).toBe(200)
  })

  test("/metrics is for admins", async () => {
    expect((await get("/metrics")).status).toBe(401)
    const customer = await Effect.runPromise(issuer.customer("alice"))
    expect((await get("/metrics", { authorization: `Bearer ${customer}` })).status).toBe(403)
    const admin = await Effect.runPromise(issuer.staff("ada", ["admin"]))
    const response = await get("/metrics", { authorization: `Bearer ${admin}` })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('service="gateway"')
  })
})

describe("services down, slow or broken", () => {
  let degraded: string
  let slowPayment: EchoServer

  beforeAll(async () => {
    degraded = await hold(Effect.gen(function* () {
      const healthy = yield* echoes
      const stopped = yield* echo("booking")
      yield* Effect.promise(() => stopped.stop())
      const slow = yield* echo("payment", { delay: 1_500 })
      slowPayment = slow
      const broken = yield* garbage()
      const base = config({ ...urlsOf(healthy), booking: stopped.url, notification: broken }, issuer.settings)
      return yield* start({ ...base, upstreams: { ...base.upstreams, payment: { url: slow.url, timeout: Duration.millis(250) } } })
    }))
  })

  test("a stopped service is a 503 problem with Retry-After", async () => {
    const response = await fetch(`${degraded}/api/bookings/x`)
    const answer = await json(response)
    HttpAssertions.expectProblem(answer, 503, "upstream-unavailable")
    expect(answer.body.detail).toContain("booking")
    expect(response.headers.get("retry-after")).toBe("1")
  })

  test("a slow service is a 504 problem after its route's timeout", async () => {
    const startedAt = performance.now()
    const answer = await json(await fetch(`${degraded}/api/payments/x`))
    HttpAssertions.expectProblem(answer, 504, "upstream-timeout")
    expect(performance.now() - startedAt).toBeLessThan(1_400)
  })

  test("a body shorter than its Content-Length is the client's 408 after the route's timeout, not blamed on the service; the service never sees it", async () => {
    const before = slowPayment.count()
    const url = new URL(degraded)
    const answer = await RawHttp.send(
      Number(url.port),
      `POST /api/payments HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"bookingId":`,
    )
    expect([answer.status, JSON.parse(answer.body).type]).toEqual([408, "request-timeout"])
    // A lookup, whose body the gateway reads for its reference before its budgets, is answered the same.
    const lookup = await RawHttp.send(
      Number(url.port),
      `POST /api/bookings/manage HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"reference":`,
    )
    expect([lookup.status, JSON.parse(lookup.body).type]).toEqual([408, "request-timeout"])
    // Chunks that stop coming before the last: the same (before, the body limit waited for them with no deadline).
    const chunked = await RawHttp.send(
      Number(url.port),
      `POST /api/payments HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"boo\r\n`,
    )
    expect([chunked.status, JSON.parse(chunked.body).type]).toEqual([408, "request-timeout"])
    expect(slowPayment.count()).toBe(before)
  })

  test("a service that answers something that is not HTTP is a 502 problem", async () => {
    HttpAssertions.expectProblem(await json(await fetch(`${degraded}/api/notifications`)), 502, "bad-gateway")
  })

  test("meanwhile the other routes are served", async () => {
    const answers = await Promise.all([
      fetch(`${degraded}/api/flights`),
      fetch(`${degraded}/api/bookings`),
      fetch(`${degraded}/api/auth/jwks`),
      fetch(`${degraded}/api/payments`),
    ].map(async (response) => (await response).status))
    expect(answers).toEqual([200, 503, 200, 504])
  })
})
