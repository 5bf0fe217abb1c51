/**
 * The visitor's address travels with the site's API calls: the site, behind the gateway, believes the
 * gateway's X-Forwarded-For and sends the visitor's address with every call it makes for them, so
 * the gateway's per-address budgets count each visitor, not the site. The real gateway in front of
 * an echo flight service that notes whose call reached it.
 */
import { AuthConfig } from "@flight/auth"
import * as Gateway from "@flight/gateway"
import type { ClientAddress } from "@flight/runtime"
import { ChildProcess } from "@flight/runtime/testing"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Duration, Effect, Exit, Logger, LogLevel, Option, Scope } from "effect"
import * as Web from "../src/index.ts"

const trustingLoopback: ClientAddress.Settings = { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] }
const direct: ClientAddress.Settings = { header: Option.none(), trustedProxies: [] }

/** The X-Forwarded-For of each call that reached the flight service. */
const seen: Array<string | null> = []
const scope = Effect.runSync(Scope.make())
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)), 30_000)

let behindGateway: string
let trustingNobody: string

beforeAll(async () => {
  await Effect.runPromise(Effect.gen(function* () {
    const flights = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Bun.serve({
          port: 0,
          hostname: "127.0.0.1",
          development: false,
          fetch: (request) => {
            seen.push(request.headers.get("x-forwarded-for"))
            return Response.json({ items: [], nextCursor: null })
          },
        })
      ),
      (server) => Effect.promise(() => server.stop(true)),
    )
    const flightUrl = new URL(`http://127.0.0.1:${flights.port}`)
    const gatewayPort = ChildProcess.freePort()
    const api = new URL(`http://127.0.0.1:${gatewayPort}`)
    const site = (clientAddress: ClientAddress.Settings) =>
      Web.make({
        port: 0,
        appEnv: "test",
        apiUrl: api,
        redisUrl: Option.none(),
        sessionTtl: Duration.hours(1),
        publicUrl: Option.none(),
        clientAddress,
      })
    const web = yield* site(trustingLoopback)
    const unaware = yield* site(direct)
    const upstream = (url: URL) => ({ url, timeout: Duration.seconds(5) })
    yield* Gateway.make({
      port: gatewayPort,
      appEnv: "test",
      upstreams: {
        identity: upstream(flightUrl),
        flight: upstream(flightUrl),
        booking: upstream(flightUrl),
        payment: upstream(flightUrl),
        notification: upstream(flightUrl),
        web: upstream(web.url),
      },
      redisUrl: Option.none(),
      rateLimitPrefix: `web-visitor-${crypto.randomUUID().slice(-12)}`,
      // One API call a minute per address: a second one from the same address is refused.
      budgets: { ...Gateway.defaultBudgets, ip: { points: 1, window: Duration.minutes(1) } },
      bodyLimitBytes: 64 * 1024,
      cacheBytes: Gateway.defaultCacheBytes,
      corsOrigins: [],
      auth: AuthConfig.of({ issuer: "http://127.0.0.1:9", audience: "flight" }),
      clientAddress: trustingLoopback,
    })
    behindGateway = `http://127.0.0.1:${web.url.port}`
    trustingNobody = `http://127.0.0.1:${unaware.url.port}`
  }).pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.None)))
})

const search = (site: string, visitor: string) =>
  fetch(`${site}/?origin=LHR&destination=JFK&date=2030-01-15&passengers=1&cabin=economy`, { headers: { "x-forwarded-for": visitor } })

describe("the visitor's address on the site's API calls", () => {
  test("each visitor's calls carry their address: two visitors get separate gateway budgets", async () => {
    seen.length = 0
    expect((await search(behindGateway, "203.0.113.7")).status).toBe(200)
    // The same visitor again: their budget is spent, the gateway refuses the call.
    expect((await search(behindGateway, "203.0.113.7")).status).not.toBe(200)
    // Another visitor through the same site: a budget of their own.
    expect((await search(behindGateway, "203.0.113.8")).status).toBe(200)
    expect(seen).toEqual(["203.0.113.7", "203.0.113.8"])
  })

  test("a site that trusts no proxy sends the connection's address, never what the visitor claims", async () => {
    seen.length = 0
    expect((await search(trustingNobody, "198.51.100.9")).status).toBe(200)
    expect(seen).toEqual(["127.0.0.1"])
  })
})
