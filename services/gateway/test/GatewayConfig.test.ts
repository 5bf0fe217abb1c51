/**
 * The gateway's configuration: the tests every service makes (`ConfigSuite`), then its own
 * documented defaults, and every bad value of its own variables named by its variable.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Duration, Option } from "effect"
import { defaultBudgets } from "../src/domain/RateLimitPolicy.ts"
import { GatewayConfig, parseBudget } from "../src/infrastructure/GatewayConfig.ts"

ConfigSuite.describe({
  service: "gateway",
  config: GatewayConfig,
  port: 3000,
  urls: [ConfigSuite.redisUrl],
  productionRequires: [{ REDIS_URL: "redis://cache", AUTH_ISSUER: "https://id.example", AUTH_GUEST_ISSUER: "https://booking.example" }],
})

const { issues: issuesOf, valid } = ConfigSuite.reader(GatewayConfig)

describe("GatewayConfig", () => {
  test("an empty environment: the services on their ports, the default budgets, no CORS, the local issuer", () => {
    const config = valid({})
    expect(config.upstreams.booking.url.href).toBe("http://127.0.0.1:3001/")
    expect(config.upstreams.identity.url.href).toBe("http://127.0.0.1:3005/")
    expect(Duration.toSeconds(config.upstreams.flight.timeout)).toBe(5)
    expect(Duration.toSeconds(config.upstreams.payment.timeout)).toBe(15)
    expect(config.budgets).toEqual(defaultBudgets)
    expect(config.bodyLimitBytes).toBe(65536)
    expect(config.cacheBytes).toBe(16 * 1024 * 1024)
    expect(config.corsOrigins).toEqual([])
    expect(config.auth.issuer).toBe("http://localhost:3005")
    expect(config.clientAddress).toEqual({ header: Option.none(), trustedProxies: [] })
  })

  test("every setting is read from its variable", () => {
    const config = valid({
      GATEWAY_UPSTREAM_FLIGHT: "http://flight.internal:8080/base",
      GATEWAY_TIMEOUT_FLIGHT: "750 millis",
      GATEWAY_RATE_LIMIT_SIGN_IN: "3/30 seconds",
      GATEWAY_RATE_LIMIT_MANAGE_REFERENCE: "4/1 hour",
      GATEWAY_BODY_LIMIT_BYTES: "2048",
      GATEWAY_CACHE_BYTES: "0",
      GATEWAY_CORS_ORIGINS: "https://app.example.com, http://localhost:5173",
      GATEWAY_RATE_LIMIT_PREFIX: "edge:rl",
      AUTH_CLIENT_IP_HEADER: "X-Forwarded-For",
      AUTH_TRUSTED_PROXIES: "10.0.0.5, ::ffff:10.0.0.6",
    })
    expect(config.upstreams.flight.url.href).toBe("http://flight.internal:8080/base")
    expect(Duration.toMillis(config.upstreams.flight.timeout)).toBe(750)
    expect(config.budgets["sign-in"]).toEqual({ points: 3, window: Duration.seconds(30) })
    expect(config.budgets["manage-reference"]).toEqual({ points: 4, window: Duration.hours(1) })
    expect(config.bodyLimitBytes).toBe(2048)
    expect(config.cacheBytes).toBe(0)
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"])
    expect(config.rateLimitPrefix).toBe("edge:rl")
    expect(config.clientAddress).toEqual({ header: Option.some("x-forwarded-for"), trustedProxies: ["10.0.0.5", "10.0.0.6"] })
  })

  test("each bad value is named by its variable, all at once", () => {
    const issues = issuesOf({
      GATEWAY_UPSTREAM_BOOKING: "ftp://booking",
      GATEWAY_UPSTREAM_PAYMENT: "http://user:secret@payment",
      GATEWAY_TIMEOUT_IDENTITY: "forever",
      GATEWAY_RATE_LIMIT_IP: "many",
      GATEWAY_RATE_LIMIT_PRINCIPAL: "0/1 minute",
      GATEWAY_BODY_LIMIT_BYTES: "12",
      GATEWAY_CACHE_BYTES: "-1",
      GATEWAY_CORS_ORIGINS: "https://app.example.com/path",
      REDIS_URL: "http://not-redis",
      GATEWAY_RATE_LIMIT_PREFIX: "has spaces",
    })
    expect(issues.map((issue) => issue.variable).toSorted()).toEqual([
      "GATEWAY_BODY_LIMIT_BYTES",
      "GATEWAY_CACHE_BYTES",
      "GATEWAY_CORS_ORIGINS",
      "GATEWAY_RATE_LIMIT_IP",
      "GATEWAY_RATE_LIMIT_PREFIX",
      "GATEWAY_RATE_LIMIT_PRINCIPAL",
      "GATEWAY_TIMEOUT_IDENTITY",
      "GATEWAY_UPSTREAM_BOOKING",
      "GATEWAY_UPSTREAM_PAYMENT",
      "REDIS_URL",
    ])
    expect(JSON.stringify(issues)).not.toContain("secret")
  })

  test("a budget is <requests>/<window>", () => {
    expect(parseBudget("300/1 minute")).toEqual({ points: 300, window: Duration.minutes(1) })
    expect(parseBudget(" 5 / 15 minutes ")).toEqual({ points: 5, window: Duration.minutes(15) })
    for (const bad of ["", "300", "/1 minute", "x/1 minute", "1.5/1 minute", "10/0 seconds", "10/500 millis", "10/2 days", "10/soon"]) {
      expect(parseBudget(bad)).toBeUndefined()
    }
  })
})
