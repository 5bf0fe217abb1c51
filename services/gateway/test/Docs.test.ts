/**
 * `/docs` as a browser gets it: the page renders, lists every service's document (fetched through
 * the gateway), loads only what the gateway serves, and its policy forbids loading anything else.
 * And CORS: only for the configured origins.
 */
import { TestIssuer } from "@flight/auth/testing"
import { beforeAll, describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Upstreams } from "../src/domain/Upstream.ts"
import { config, echoes, json, lifetime, start, urlsOf } from "./support/Gateway.ts"

const hold = lifetime()

let base: string
let withCors: string

beforeAll(async () => {
  await hold(Effect.gen(function* () {
    const issuer = yield* TestIssuer.make()
    const servers = yield* echoes
    base = yield* start(config(urlsOf(servers), issuer.settings))
    withCors = yield* start(config(urlsOf(servers), issuer.settings, { corsOrigins: ["https://app.example.com"] }))
  }))
})

/** Every URL a page or script names in `src`, `href` or `url(...)`, and any absolute URL at all. */
const external = (text: string): ReadonlyArray<string> => [
  ...[...text.matchAll(/(?:src|href)\s*=\s*["']?((?:[a-z][a-z0-9+.-]*:)?\/\/[^"' >]+)/gi)].map((match) => match[1]!),
  ...[...text.matchAll(/\bhttps?:\/\/[^\s"'<>)]+/gi)].map((match) => match[0]),
]

describe("/docs", () => {
  test("renders Swagger UI with every service's document and references no external URL", async () => {
    const response = await fetch(`${base}/docs`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/html")
    const html = await response.text()
    expect(html).toContain('<div id="swagger-ui">')
    for (const upstream of Upstreams) expect(html).toContain(`/openapi/${upstream}.json`)
    expect(external(html)).toEqual([])
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
    expect(assets.filter((asset) => asset.startsWith("/docs/assets/")).length).toBeGreaterThanOrEqual(4)
    for (const asset of assets.filter((asset) => asset.startsWith("/docs/assets/"))) {
      const loaded = await fetch(`${base}${asset}`)
      expect({ asset, status: loaded.status }).toEqual({ asset, status: 200 })
      if (asset.endsWith(".js")) expect(loaded.headers.get("content-type")).toContain("javascript")
      if (asset.endsWith(".css")) expect(loaded.headers.get("content-type")).toContain("text/css")
      await loaded.arrayBuffer()
    }
  })

  test("the page's policy lets it load scripts, styles and data from the gateway only", async () => {
    const policy = (await fetch(`${base}/docs`)).headers.get("content-security-policy") ?? ""
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "font-src 'self'", "img-src 'self' data:"]) {
      expect(policy).toContain(directive)
    }
    expect(policy).not.toContain("http")
  })

  test("the initializer lists every service, keeps the token between reloads and asks no validator", async () => {
    const script = await (await fetch(`${base}/docs/assets/initializer.js`)).text()
    for (const upstream of Upstreams) expect(script).toContain(`{"url":"/openapi/${upstream}.json","name":"${upstream}"}`)
    expect(script).toContain("persistAuthorization: true")
    expect(script).toContain('validatorUrl: "none"')
    expect(external(script)).toEqual([])
  })

  test("each service's document comes through the gateway", async () => {
    for (const upstream of Upstreams) {
      const answer = await json(await fetch(`${base}/openapi/${upstream}.json`))
      expect(answer.status).toBe(200)
      expect(answer.body.info.title).toBe(`${upstream} service`)
    }
    expect((await fetch(`${base}/openapi/unknown.json`)).status).toBe(404)
  })

  test("only the page's own assets are served, nothing else of the package", async () => {
    for (const path of ["/docs/assets/swagger-ui-dist/package.json", "/docs/assets/swagger-ui-dist/..%2F..%2Fpackage.json", "/docs/assets/index.html"]) {
      expect((await fetch(`${base}${path}`)).status).toBe(404)
    }
  })
})

describe("CORS", () => {
  const preflight = (target: string, origin: string) =>
    fetch(`${target}/api/bookings`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    })

  test("none by default: no origin is allowed", async () => {
    const response = await fetch(`${base}/api/flights`, { headers: { origin: "https://app.example.com" } })
    expect(response.headers.get("access-control-allow-origin")).toBeNull()
    expect((await preflight(base, "https://app.example.com")).headers.get("access-control-allow-origin")).toBeNull()
  })

  test("a configured origin may call the APIs with a token and read the rate-limit fields; another may not", async () => {
    const allowed = await preflight(withCors, "https://app.example.com")
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com")
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization")
    const response = await fetch(`${withCors}/api/flights`, { headers: { origin: "https://app.example.com" } })
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com")
    expect(response.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("ratelimit")
    const other = await preflight(withCors, "https://evil.example")
    expect(other.headers.get("access-control-allow-origin")).toBeNull()
  })
})
