/**
 * The gateway in front of the real services, each started by its own `make` in memory on a free
 * port and sharing one in-process bus, as the embedded mode composes them: booking flow 1 runs
 * through the gateway alone (sign in, schedule, book as a guest, pay, confirmed, notified), the
 * guest token the booking service signs verifies at the gateway, the gateway keeps a flight's read
 * and never a booking's, and identity sees the client's address as the gateway forwarded it.
 */
import * as Booking from "@flight/booking"
import { AuthConfig } from "@flight/auth"
import { InProcessBus } from "@flight/bus"
import * as Flight from "@flight/flight"
import * as Identity from "@flight/identity"
import * as Notification from "@flight/notification"
import * as Payment from "@flight/payment"
import { TestIssuer } from "@flight/auth/testing"
import { ChildProcess } from "@flight/runtime/testing"
import { beforeAll, describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import { config, json, lifetime, start } from "./support/Gateway.ts"

const hold = lifetime()

let base: string

const local = (url: URL) => new URL(`http://127.0.0.1:${url.port}`)

beforeAll(async () => {
  base = await hold(Effect.gen(function* () {
    const identityConfig = yield* Identity.IdentityConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
    // Identity believes X-Forwarded-For from the gateway only (AUTH_TRUSTED_PROXIES, AUTH_CLIENT_IP_HEADER).
    const identity = yield* Identity.make({ ...identityConfig, port: 0, trustedProxies: ["127.0.0.1"], clientIpHeader: Option.some("x-forwarded-for") })
    const bus = yield* Layer.build(InProcessBus.layer())
    const accounts = { issuer: identityConfig.issuer.origin, audience: identityConfig.audience, jwksUrl: new URL("/api/auth/jwks", local(identity.url)) }
    const booking = yield* Booking.make({ port: 0, redisUrl: Option.none(), auth: AuthConfig.of(accounts) }).pipe(Effect.provide(bus))
    const auth = AuthConfig.of({
      ...accounts,
      guest: AuthConfig.guestAt(AuthConfig.defaultGuestIssuer, Option.some(new URL(AuthConfig.guestJwksPath, local(booking.url)))),
    })
    const flight = yield* Flight.make({ port: 0, mongodbUrl: Option.none(), auth }).pipe(Effect.provide(bus))
    const payment = yield* Payment.make({ port: 0, databaseUrl: Option.none(), auth }).pipe(Effect.provide(bus))
    const notification = yield* Notification.make({ port: 0, auth }).pipe(Effect.provide(bus))
    // The gateway trusts what the services trust.
    return yield* start(config({
      booking: local(booking.url),
      flight: local(flight.url),
      payment: local(payment.url),
      notification: local(notification.url),
      identity: local(identity.url),
      // The web site is not started here: its pages answer the gateway's 503 (its own suite runs behind the gateway).
      web: new URL(`http://127.0.0.1:${ChildProcess.freePort()}`),
    }, auth))
  }))
}, 60_000)

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  json(await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }))

const eventually = async <A extends { readonly status: number; readonly body: any }>(attempt: () => Promise<A>, done: (answer: A) => boolean): Promise<A> => {
  const deadline = Date.now() + 10_000
  for (;;) {
    const answer = await attempt()
    if (done(answer) || Date.now() > deadline) return answer
    await Bun.sleep(50)
  }
}

describe("the real services behind the gateway", () => {
  test("with the web site down, a page is the gateway's 503 problem and the APIs are still served", async () => {
    const page = await call("GET", "/")
    expect([page.status, page.headers.get("content-type"), page.body.type]).toEqual([503, "application/problem+json", "upstream-unavailable"])
    expect((await call("GET", "/api/flights?origin=LHR&destination=JFK&date=2026-12-10")).status).toBe(200)
  })

  test("flow 1 through the gateway alone: sign in, schedule, book as a guest, pay, confirmed, notified", async () => {
    const signedIn = await call("POST", "/api/auth/sign-in/email", { email: "ops@flight.local", password: "flight-ops-dev-only" }, { "x-forwarded-for": "6.6.6.6" })
    expect(signedIn.status).toBe(200)
    // The session token is better-auth's, opaque: the gateway hands it to identity unverified.
    const token = await call("GET", "/api/auth/token", undefined, { authorization: `Bearer ${signedIn.body.token}` })
    expect(token.status).toBe(200)
    const asOps = { authorization: `Bearer ${token.body.token}` }
    // Identity recorded the address the gateway saw, not the one the client claimed.
    const session = await call("GET", "/api/auth/get-session", undefined, { authorization: `Bearer ${signedIn.body.token}` })
    expect(session.body.session.ipAddress).toBe("127.0.0.1")

    const scheduled = await call("POST", "/api/flights", {
      flightNumber: "BA117",
      origin: "LHR",
      destination: "JFK",
      departureAt: "2027-12-01T10:00:00Z",
      arrivalAt: "2027-12-01T18:00:00Z",
      aircraft: "Boeing 777",
      cabins: [{ cabin: "economy", rows: { from: 10, to: 12 }, seatLetters: "ABCDEF", fare: { amount: 45000, currency: "GBP" } }],
    }, asOps)
    expect(scheduled.status).toBe(201)
    const flightId = scheduled.body.id as string
    expect((await call("GET", `/api/flights/${flightId}`)).status).toBe(200)
    const seatMap = await eventually(() => call("GET", `/api/seatmaps/${flightId}`), (answer) => answer.status === 200)
    expect(seatMap.status).toBe(200)

    const booked = await call("POST", "/api/bookings", {
      flightId,
      cabin: "economy",
      passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
      contact: { email: "ada@example.com", phone: "+447700900123" },
    })
    expect(booked.status).toBe(201)
    // The guest token, signed by the booking service, verifies at the gateway (its second issuer).
    const asGuest = { authorization: `Bearer ${booked.body.accessToken}` }
    expect((await call("GET", `/api/bookings/${booked.body.id}`, undefined, asGuest)).status).toBe(200)
    // A flight is the same for everyone: the gateway keeps it for a second. A booking is its owner's: never kept.
    const cacheStatus = async (path: string, headers: Record<string, string> = {}) => (await fetch(`${base}${path}`, { headers })).headers.get("cache-status")
    expect(await cacheStatus(`/api/flights/${flightId}`, { "cache-control": "no-cache" })).toMatch(/^gateway; fwd=(request|stale); stored$/)
    expect(await cacheStatus(`/api/flights/${flightId}`)).toBe("gateway; hit")
    for (let read = 0; read < 2; read++) expect(await cacheStatus(`/api/bookings/${booked.body.id}`, asGuest)).toBe("gateway; fwd=miss")
    const managed = await call("POST", "/api/bookings/manage", { reference: booked.body.reference, lastName: "Lovelace" })
    expect(managed.status).toBe(200)

    const paid = await eventually(
      () => call("POST", "/api/payments", { bookingId: booked.body.id, method: { type: "card", token: "tok_visa" } }, { "idempotency-key": `gw-${booked.body.id}`, ...asGuest }),
      (answer) => !(answer.status === 409 && answer.body.type === "payment-not-ready"),
    )
    expect(paid.status).toBe(201)
    const confirmed = await eventually(() => call("GET", `/api/bookings/${booked.body.id}`, undefined, asGuest), (answer) => answer.body.status === "confirmed")
    expect(confirmed.body.status).toBe("confirmed")
    const told = await eventually(
      () => call("GET", `/api/notifications?bookingId=${booked.body.id}`, undefined, asGuest),
      (answer) => (answer.body.items ?? []).length >= 1,
    )
    expect(told.status).toBe(200)
    expect(told.body.items.length).toBeGreaterThanOrEqual(1)
  }, 30_000)

  test("a token forged for the services is refused at the gateway, and the discovery document comes from identity", async () => {
    const forged = await Effect.runPromise(Effect.scoped(Effect.flatMap(TestIssuer.make(), (issuer) => issuer.staff("mallory", ["admin"]))))
    const answer = await call("POST", "/api/flights", {}, { authorization: `Bearer ${forged}` })
    expect(answer.status).toBe(401)
    const discovery = await call("GET", "/.well-known/openid-configuration")
    expect(discovery.body.jwks_uri).toEndWith("/api/auth/jwks")
  })

  test("/docs lists every service, and each real document comes through the gateway with its bearer scheme", async () => {
    for (const service of ["booking", "flight", "payment", "notification", "identity"]) {
      const document = await call("GET", `/openapi/${service}.json`)
      expect(document.status).toBe(200)
      expect(document.body.info.title).toBe(`${service} service`)
      expect(Object.keys(document.body.components.securitySchemes)).toContain("bearerAuth")
    }
  })
})
