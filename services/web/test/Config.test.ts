/**
 * The configuration (the tests every service makes, `ConfigSuite`, then each variable of its own,
 * bad values named), the cookie over https, and the pages when the gateway does not answer: a
 * sentence, never a stack or JSON.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Duration, Effect, Either, Layer, Option } from "effect"
import * as WebApp from "../src/api/WebApp.tsx"
import { serviceLayer, WebConfig } from "../src/index.ts"
import { textOf } from "./support/Visitor.ts"

ConfigSuite.describe({
  service: "web",
  config: WebConfig,
  port: 3006,
  urls: [ConfigSuite.redisUrl],
  // The sessions, which every instance must see.
  productionRequires: [{ REDIS_URL: "redis://cache:6379" }],
})

const { read, valid } = ConfigSuite.reader(WebConfig)

describe("WebConfig", () => {
  test("defaults: the gateway on localhost:3000, sessions for 12 hours, the connection's address", () => {
    const config = valid({})
    expect(config.apiUrl.href).toBe("http://localhost:3000/")
    expect(Duration.toHours(config.sessionTtl)).toBe(12)
    expect(config.clientAddress).toEqual({ header: Option.none(), trustedProxies: [] })
  })

  test("each variable is read", () => {
    const config = valid({
      WEB_API_URL: "https://api.example.com",
      WEB_SESSION_TTL: "30 minutes",
      WEB_PUBLIC_URL: "https://flights.example.com",
      AUTH_CLIENT_IP_HEADER: "x-forwarded-for",
      AUTH_TRUSTED_PROXIES: "10.0.0.5",
    })
    expect([config.apiUrl.origin, Duration.toMinutes(config.sessionTtl)]).toEqual(["https://api.example.com", 30])
    expect(Option.map(config.publicUrl, (url) => url.origin)).toEqual(Option.some("https://flights.example.com"))
    expect(config.clientAddress).toEqual({ header: Option.some("x-forwarded-for"), trustedProxies: ["10.0.0.5"] })
  })

  test("a bad value is refused naming its variable", () => {
    for (const [variable, value] of [["WEB_API_URL", "ftp://x"], ["WEB_PUBLIC_URL", "not a url"], ["WEB_SESSION_TTL", "soon"], ["WEB_API_URL", "http://u:p@x"], ["AUTH_TRUSTED_PROXIES", "gateway"], ["AUTH_CLIENT_IP_HEADER", "x forwarded"]] as const) {
      const result = read({ [variable]: value })
      expect(Either.isLeft(result) && String(result.left)).toContain(variable)
    }
  })
})

/** The app alone, its gateway a port nothing listens on. */
const appWithoutApi = async (publicUrl: Option.Option<URL> = Option.none()) => {
  const config = { ...valid({}), apiUrl: new URL("http://127.0.0.1:9"), publicUrl }
  const runtime = await Effect.runPromise(Effect.scoped(Layer.toRuntime(serviceLayer(config))))
  return WebApp.make({ runtime, config })
}

describe("without the gateway", () => {
  test("a search tells the person the system is not answering, as a page", async () => {
    const app = await appWithoutApi()
    const response = await app.request("/?origin=LHR&destination=JFK&date=2026-12-01")
    expect(response.status).toBe(503)
    expect(response.headers.get("content-type")).toBe("text/html; charset=UTF-8")
    const text = textOf(await response.text())
    expect(text).toContain("The booking system is not answering right now")
    expect(text).not.toMatch(/ECONNREFUSED|at .*\.ts|\{"/)
  })

  test("a booking's page and the console say so too", async () => {
    const app = await appWithoutApi()
    const booking = await app.request("/bookings/0193e0a0-0000-7000-8000-000000000000")
    expect(booking.status).toBe(503)
    expect(textOf(await booking.text())).toContain("Temporarily unavailable")
  })
})

test("served over https the cookie is Secure and __Host- prefixed", async () => {
  const app = await appWithoutApi(Option.some(new URL("https://flights.example.com")))
  const cookie = (await app.request("/manage")).headers.get("set-cookie") ?? ""
  expect(cookie).toMatch(/^__Host-flight_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
})
