/**
 * Rate limits as a client meets them: a 429 problem once a budget is spent, with `Retry-After` and
 * the `RateLimit-Policy` / `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-09), per client
 * address, per principal, stricter for sign-in, booking creation and reference lookups (also per
 * reference), and shared by two gateway instances on the real Redis.
 */
import { TestIssuer } from "@flight/auth/testing"
import { HttpAssertions, RealServer } from "@flight/runtime/testing"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Duration, Effect, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import { type Budgets, defaultBudgets } from "../src/domain/RateLimitPolicy.ts"
import type { Upstream } from "../src/domain/Upstream.ts"
import * as RateLimiterStores from "../src/infrastructure/RateLimiterStores.ts"
import { config, echoes, type EchoServer, json, lifetime, start, urlsOf } from "./support/Gateway.ts"

const hold = lifetime()

let issuer: TestIssuer.TestIssuer
let upstreams: Record<Upstream, EchoServer>

beforeAll(async () => {
  await hold(Effect.gen(function* () {
    issuer = yield* TestIssuer.make()
    upstreams = yield* echoes
  }))
})

const budgets = (overrides: Partial<Budgets>): Budgets => ({ ...defaultBudgets, ...overrides })
const perMinute = (points: number) => ({ points, window: Duration.minutes(1) })

/** The gateway behind a proxy on this machine (the web site, a load balancer), whose X-Forwarded-For it believes. */
const trustingLoopback = { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] }

const gateway = (overrides: Partial<Budgets>, extra: Partial<Parameters<typeof config>[2]> = {}) =>
  hold(start(config(urlsOf(upstreams), issuer.settings, { budgets: budgets(overrides), ...extra })))

const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })

describe("per client address", () => {
  test("the budget's requests pass, each reporting what remains; the next is a 429 with Retry-After and the RateLimit fields", async () => {
    const base = await gateway({ ip: perMinute(3) })
    const remaining: Array<string | null> = []
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${base}/api/flights`)
      expect(response.status).toBe(200)
      expect(response.headers.get("ratelimit-policy")).toBe('"ip";q=3;w=60')
      remaining.push(response.headers.get("ratelimit"))
    }
    expect(remaining.map((field) => /r=(\d+)/.exec(field ?? "")?.[1])).toEqual(["2", "1", "0"])
    const refused = await fetch(`${base}/api/bookings`)
    const answer = await json(refused)
    HttpAssertions.expectProblem(answer, 429, "too-many-requests")
    const retryAfter = Number(refused.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(58)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(refused.headers.get("ratelimit-policy")).toBe('"ip";q=3;w=60')
    expect(refused.headers.get("ratelimit")).toBe(`"ip";r=0;t=${retryAfter}`)
    expect(answer.body.detail).toContain("ip")
  })

  test("a client-sent X-Forwarded-For does not buy a new budget", async () => {
    const base = await gateway({ ip: perMinute(2) })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/api/flights`, { headers: { "x-forwarded-for": `10.0.0.${i}` } })).status)
    expect(statuses).toEqual([200, 200, 429])
  })

  test("an X-Forwarded-For from a trusted proxy is believed: each client it names has its own budget and is forwarded as the client's address", async () => {
    const base = await gateway({ ip: perMinute(1) }, { clientAddress: trustingLoopback })
    const visitor = (address: string) => fetch(`${base}/api/flights`, { headers: { "x-forwarded-for": `198.51.100.1, ${address}` } })
    const first = await json(await visitor("203.0.113.7"))
    expect([first.status, first.body.headers["x-forwarded-for"]]).toEqual([200, "203.0.113.7"])
    const second = await json(await visitor("203.0.113.8"))
    expect([second.status, second.body.headers["x-forwarded-for"]]).toEqual([200, "203.0.113.8"])
    expect((await visitor("203.0.113.7")).status).toBe(429)
  })

  test("IPv6 clients are counted by their /64: another address of the same /64 shares the budget, another /64 has its own", async () => {
    const base = await gateway({ ip: perMinute(2), manage: perMinute(2) }, { clientAddress: trustingLoopback })
    const from = (address: string, path = "/api/flights") => fetch(`${base}${path}`, { headers: { "x-forwarded-for": address } })
    expect((await from("2001:db8:0:7::100")).status).toBe(200)
    expect((await from("2001:db8:0:7:aaaa:bbbb:cccc:dddd")).status).toBe(200)
    expect((await from("2001:db8:0:7::113")).status).toBe(429)
    expect((await from("2001:db8:0:8::100")).status).toBe(200)
    // The stricter budgets count the /64 too (before: each address had budgets of its own).
    const lookup = (address: string) => from(address, "/api/bookings?reference=X7K2QP&lastName=Smith")
    expect((await lookup("2001:db8:0:9::1")).status).toBe(200)
    expect((await lookup("2001:db8:0:9::2")).status).toBe(200)
    expect((await lookup("2001:db8:0:9::3")).status).toBe(429)
  })

  test("an X-Forwarded-For from an address that is not a trusted proxy is ignored", async () => {
    const base = await gateway({ ip: perMinute(1) }, { clientAddress: { header: Option.some("x-forwarded-for"), trustedProxies: ["10.9.8.7"] } })
    const first = await json(await fetch(`${base}/api/flights`, { headers: { "x-forwarded-for": "203.0.113.7" } }))
    expect([first.status, first.body.headers["x-forwarded-for"]]).toEqual([200, "127.0.0.1"])
    expect((await fetch(`${base}/api/flights`, { headers: { "x-forwarded-for": "203.0.113.8" } })).status).toBe(429)
  })

  test("a trusted proxy's header that does not end in an IP address falls back to the connection's address", async () => {
    const base = await gateway({ ip: perMinute(1) }, { clientAddress: trustingLoopback })
    const first = await json(await fetch(`${base}/api/flights`, { headers: { "x-forwarded-for": "203.0.113.7, not-an-address" } }))
    expect([first.status, first.body.headers["x-forwarded-for"]]).toEqual([200, "127.0.0.1"])
    expect((await fetch(`${base}/api/flights`, { headers: { "x-forwarded-for": "" } })).status).toBe(429)
  })

  test("health, readiness and the docs page are not counted", async () => {
    const base = await gateway({ ip: perMinute(1) })
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200)
      expect((await fetch(`${base}/docs`)).status).toBe(200)
    }
    expect((await fetch(`${base}/api/flights`)).status).toBe(200)
  })
})

describe("per principal", () => {
  test("each account has its own budget: alice is refused while bob is served", async () => {
    const base = await gateway({ principal: perMinute(2) })
    const alice = { authorization: `Bearer ${await Effect.runPromise(issuer.customer("alice"))}` }
    const bob = { authorization: `Bearer ${await Effect.runPromise(issuer.customer("bob"))}` }
    expect((await fetch(`${base}/api/flights`, { headers: alice })).status).toBe(200)
    expect((await fetch(`${base}/api/flights`, { headers: alice })).status).toBe(200)
    const refused = await fetch(`${base}/api/flights`, { headers: alice })
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit-policy")).toBe(`"ip";q=${defaultBudgets.ip.points};w=60, "principal";q=2;w=60`)
    expect(refused.headers.get("ratelimit")).toMatch(/^"ip";r=\d+;t=\d+, "principal";r=0;t=\d+$/)
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
    expect((await fetch(`${base}/api/flights`, { headers: bob })).status).toBe(200)
    // A guest token is a principal too: its booking's budget.
    const guest = { authorization: `Bearer ${await Effect.runPromise(issuer.guest("0193e0a0-0000-7000-8000-000000000001"))}` }
    expect((await fetch(`${base}/api/bookings/0193e0a0-0000-7000-8000-000000000001`, { headers: guest })).status).toBe(200)
  })
})

describe("stricter budgets", () => {
  test("sign-in and sign-up share a small budget; the rest of the API is still served", async () => {
    const base = await gateway({ "sign-in": perMinute(2) })
    const credentials = { email: "ada@example.com", password: "analytical-engine-1843" }
    expect((await post(base, "/api/auth/sign-in/email", credentials)).status).toBe(200)
    expect((await post(base, "/api/auth/sign-up/email", { ...credentials, name: "Ada" })).status).toBe(200)
    const refused = await post(base, "/api/auth/sign-in/email", credentials)
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit-policy")).toContain('"sign-in";q=2;w=60')
    expect((await fetch(`${base}/api/auth/jwks`)).status).toBe(200)
    expect((await fetch(`${base}/api/flights`)).status).toBe(200)
  })

  test("booking creation has its own budget; reading bookings does not spend it", async () => {
    const base = await gateway({ "booking-create": perMinute(2) })
    expect((await post(base, "/api/bookings", {})).status).toBe(200)
    expect((await fetch(`${base}/api/bookings?mine=true`)).status).toBe(200)
    expect((await post(base, "/api/bookings", {})).status).toBe(200)
    const refused = await post(base, "/api/bookings", {})
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit")).toContain('"booking-create";r=0;')
    // The path as the router decodes it: an encoded name is the same route and the same budget.
    expect((await post(base, "/api/b%6Fokings", {})).status).toBe(429)
  })

  test("reference lookups are limited per address and per reference; the body reaches the service untouched", async () => {
    const base = await gateway({ manage: perMinute(10), "manage-reference": { points: 2, window: Duration.minutes(15) } })
    const lookup = { reference: "X7K2QP", lastName: "Lovelace" }
    const first = await json(await post(base, "/api/bookings/manage", lookup))
    expect(first.body).toMatchObject({ upstream: "booking", body: JSON.stringify(lookup) })
    expect((await post(base, "/api/bookings/manage", { ...lookup, lastName: "Babbage" })).status).toBe(200)
    const refused = await post(base, "/api/bookings/manage", { ...lookup, lastName: "Byron" })
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit-policy")).toContain('"manage-reference";q=2;w=900')
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(800)
    // Another reference from the same address is still looked up.
    expect((await post(base, "/api/bookings/manage", { reference: "ABC234", lastName: "Lovelace" })).status).toBe(200)
  })

  test("the address's lookup budget holds whatever references are tried", async () => {
    const base = await gateway({ manage: perMinute(3) })
    const statuses = []
    for (const reference of ["AAAAA2", "AAAAA3", "AAAAA4", "AAAAA5"]) {
      statuses.push((await post(base, "/api/bookings/manage", { reference, lastName: "Lovelace" })).status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  test("the lookup by query (GET /api/bookings?reference=&lastName=) shares the lookup budgets: per address and per reference", async () => {
    const base = await gateway({ manage: perMinute(10), "manage-reference": { points: 2, window: Duration.minutes(15) } })
    const lookup = (lastName: string, reference = "X7K2QP") => fetch(`${base}/api/bookings?reference=${reference}&lastName=${lastName}`)
    expect((await lookup("Lovelace")).status).toBe(200)
    // The same reference by manage spends the same per-reference budget.
    expect((await post(base, "/api/bookings/manage", { reference: "X7K2QP", lastName: "Babbage" })).status).toBe(200)
    const refused = await lookup("Byron")
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit-policy")).toContain('"manage-reference";q=2;w=900')
    expect((await lookup("Lovelace", "ABC234")).status).toBe(200)
    // "My trips" is no lookup: it spends neither budget.
    expect((await fetch(`${base}/api/bookings?mine=true`)).headers.get("ratelimit-policy")).not.toContain("manage")
  })
})

RealServer.describeWith("REDIS_URL", "rate limits on Redis", (url) => {
  const prefix = `gateway-test-${Bun.randomUUIDv7().slice(-12)}`
  const redisUrl = Option.some(Redacted.make(new URL(url)))

  afterAll(async () => {
    const client = new Redis(url)
    try {
      const keys = await client.keys(`${prefix}:*`)
      if (keys.length > 0) await client.del(...keys)
    } finally {
      client.disconnect()
    }
  })

  test("two gateway instances share the counts: what one admitted, the other counts", async () => {
    const shared = { redisUrl, rateLimitPrefix: prefix }
    const first = await gateway({ ip: perMinute(3) }, shared)
    const second = await gateway({ ip: perMinute(3) }, shared)
    expect((await fetch(`${first}/api/flights`)).status).toBe(200)
    expect((await fetch(`${second}/api/flights`)).status).toBe(200)
    expect((await fetch(`${first}/api/flights`)).status).toBe(200)
    const refused = await fetch(`${second}/api/flights`)
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit")).toMatch(/^"ip";r=0;t=(59|60)$/)
    expect((await fetch(`${first}/api/flights`)).status).toBe(429)
    expect((await fetch(`${first}/health/ready`)).status).toBe(200)
  })

  test("a Redis outage fails over to this instance's memory counts: requests are still counted, none refused for the outage", async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await client.connect()
    const limits = budgets({ ip: perMinute(2) })
    const store = await Effect.runPromise(
      RateLimiterStores.onClient(client, limits, `${prefix}-outage`, "Redis test").pipe(Effect.map(({ store }) => store)),
    )
    const spend = () => Effect.runPromise(Effect.map(store.consume([{ policy: "ip", key: "203.0.113.9" }]), ([standing]) => standing!))
    expect((await spend()).remaining).toBe(1)
    client.disconnect()
    const during = [await spend(), await spend(), await spend()]
    expect(during.map((standing) => standing.exceeded)).toEqual([false, false, true])
  })
})
