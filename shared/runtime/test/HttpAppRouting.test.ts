import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Metric } from "effect"
import { HttpApp, Metrics, Route } from "../src/index.ts"
import { EffectTest, RawHttp } from "../src/testing/index.ts"
import * as Fixture from "./HttpAppFixture.ts"

const { authentication, knownId, problemOf } = Fixture
const { app, get, runtime, dispose } = await Fixture.make()
afterAll(dispose)

describe("HttpApp: requests with no valid Host, on a real server", () => {
  const malformed = [
    ["a Host with a space", "GET /api/bookings/x/cancel HTTP/1.1\r\nHost: a b\r\n\r\n"],
    ["an empty Host", "GET /api/flights/x HTTP/1.1\r\nHost:\r\n\r\n"],
    ["an unclosed IPv6 Host", "POST /api/bookings HTTP/1.1\r\nHost: [::1\r\nContent-Length: 0\r\n\r\n"],
    ["HTTP/1.0 without Host", "GET /health/live HTTP/1.0\r\n\r\n"],
    ["a Host with a port out of range", "GET /nowhere HTTP/1.1\r\nHost: x:99999\r\n\r\n"],
  ] as const

  test.each(malformed)("%s is a 400 problem that shows no source, path or stack", async (_, request) => {
    await EffectTest.run(Effect.gen(function*() {
      const server = yield* HttpApp.serve(app, { port: 0, hostname: "127.0.0.1" })
      const response = yield* Effect.promise(() => RawHttp.send(server.port!, request))
      expect(response.status).toBe(400)
      expect(response.headers["content-type"]).toBe("application/problem+json")
      expect(JSON.parse(response.body)).toMatchObject({ type: "malformed-request", status: 400 })
      expect(response.body).not.toContain(process.cwd())
      expect(response.body).not.toContain(".ts")
    }))
  })

  test("anything that escapes an app is a bare 500 problem, never Bun's error page", async () => {
    const throwing = { fetch: (): Response => { throw new Error(`failed in ${import.meta.path}`) } }
    await EffectTest.run(Effect.gen(function*() {
      const server = yield* HttpApp.serve(throwing, { port: 0, hostname: "127.0.0.1" })
      const response = yield* Effect.promise(() => fetch(new URL("/api/flights", server.url)))
      expect(response.status).toBe(500)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      const body = yield* Effect.promise(() => response.text())
      expect(JSON.parse(body)).toMatchObject({ type: "internal-error" })
      expect(body).not.toContain(import.meta.path)
    }))
  })
})

describe("HttpApp: routing", () => {
  test("an unknown route is a 404 problem", async () => {
    const response = await get("/api/nothing")
    expect(response.status).toBe(404)
    expect(await problemOf(response)).toMatchObject({ type: "not-found", status: 404, instance: "/api/nothing" })
  })

  test("a known path with the wrong method is a 405 with Allow", async () => {
    const response = await app.fetch(new Request("http://test/api/bookings", { method: "DELETE" }))
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("POST")
    expect((await problemOf(response)).type).toBe("method-not-allowed")
  })

  test("HEAD is answered as GET without a body; a path served with GET allows HEAD, and OPTIONS is a 405", async () => {
    const head = await app.fetch(new Request(`http://test/api/flights/${knownId}`, { method: "HEAD" }))
    expect([head.status, await head.text()]).toEqual([200, ""])
    const headOnPost = await app.fetch(new Request("http://test/api/bookings", { method: "HEAD" }))
    expect([headOnPost.status, headOnPost.headers.get("allow"), await headOnPost.text()]).toEqual([405, "POST", ""])
    for (const path of [`/api/flights/${knownId}`, "/health/live"]) {
      const options = await app.fetch(new Request(`http://test${path}`, { method: "OPTIONS" }))
      expect([options.status, options.headers.get("allow")]).toEqual([405, "GET, HEAD"])
    }
  })

  const route = (method: Route.Method, path: string) =>
    Route.make({ method, path, summary: path, access: "anyone", success: { status: 204 }, handler: () => Effect.void })
  const overlapping = HttpApp.make({
    service: "routing-test",
    version: "1",
    routes: [route("post", "/api/seats/special"), route("get", "/api/seats/:id"), route("delete", "/api/seats/:id")],
    runtime,
    authentication,
    readiness: Effect.void,
  })
  const send = (method: string, path: string) => overlapping.fetch(new Request(`http://test${path}`, { method }))

  test("a path two patterns match allows the methods of both", async () => {
    expect((await send("PUT", "/api/seats/special")).headers.get("allow")).toBe("GET, POST, DELETE, HEAD")
    expect((await send("PUT", "/api/seats/12A")).headers.get("allow")).toBe("GET, DELETE, HEAD")
    expect((await send("POST", "/api/seats/special")).status).toBe(204)
    expect((await send("GET", "/api/seats/special")).status).toBe(204)
  })

  test("404 and 405 answers are counted under the route unmatched", async () => {
    await send("PATCH", "/api/seats/12A")
    await send("GET", "/api/nothing")
    const text = Metrics.prometheusText(Metric.unsafeSnapshot())
    expect(text).toMatch(/http_server_requests_total\{service="routing-test",method="PATCH",route="unmatched",status="405"\} [1-9]/)
    expect(text).toMatch(/http_server_requests_total\{service="routing-test",method="GET",route="unmatched",status="404"\} [1-9]/)
  })
})
