/** The gateway's configuration: documented defaults, and every bad value named by its variable. */
import { AppConfig } from "@flight/runtime"
import { describe, expect, test } from "bun:test"
import { ConfigProvider, Duration, Effect, Either, Option } from "effect"
import { defaultBudgets } from "../src/domain/RateLimitPolicy.ts"
import { GatewayConfig, parseBudget } from "../src/infrastructure/GatewayConfig.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(GatewayConfig).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)), { pathDelim: "_", seqDelim: "," }))))

const issuesOf = (env: Record<string, string>) => {
  const result = read(env)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return AppConfig.issues(result.left)
}

describe("GatewayConfig", () => {
  test("an empty environment: port 3000, the services on their ports, memory counts, the default budgets, no CORS", () => {
    const config = Either.getOrThrow(read({}))
    expect(config.port).toBe(3000)
    expect(config.upstreams.booking.url.href).toBe("http://127.0.0.1:3001/")
    expect(config.upstreams.identity.url.href).toBe("http://127.0.0.1:3005/")
    expect(Duration.toSeconds(config.upstreams.flight.timeout)).toBe(5)
    expect(Duration.toSeconds(config.upstreams.payment.timeout)).toBe(15)
    expect(Option.isNone(config.redisUrl)).toBe(true)
    expect(config.budgets).toEqual(defaultBudgets)
    expect(config.bodyLimitBytes).toBe(65536)
    expect(config.corsOrigins).toEqual([])
    expect(config.auth.issuer).toBe("http://localhost:3005")
    expect(config.clientAddress).toEqual({ header: Option.none(), trustedProxies: [] })
  })

  test("every setting is read from its variable", () => {
    const config = Either.getOrThrow(read({
      PORT: "8080",
      GATEWAY_UPSTREAM_FLIGHT: "http://flight.internal:8080/base",
      GATEWAY_TIMEOUT_FLIGHT: "750 millis",
      GATEWAY_RATE_LIMIT_SIGN_IN: "3/30 seconds",
      GATEWAY_RATE_LIMIT_MANAGE_REFERENCE: "4/1 hour",
      GATEWAY_BODY_LIMIT_BYTES: "2048",
      GATEWAY_CORS_ORIGINS: "https://app.example.com, http://localhost:5173",
      REDIS_URL: "redis://127.0.0.1:6379",
      GATEWAY_RATE_LIMIT_PREFIX: "edge:rl",
      AUTH_CLIENT_IP_HEADER: "X-Forwarded-For",
      AUTH_TRUSTED_PROXIES: "10.0.0.5, ::ffff:10.0.0.6",
    }))
    expect(config.port).toBe(8080)
    expect(config.upstreams.flight.url.href).toBe("http://flight.internal:8080/base")
    expect(Duration.toMillis(config.upstreams.flight.timeout)).toBe(750)
    expect(config.budgets["sign-in"]).toEqual({ points: 3, window: Duration.seconds(30) })
    expect(config.budgets["manage-reference"]).toEqual({ points: 4, window: Duration.hours(1) })
    expect(config.bodyLimitBytes).toBe(2048)
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"])
    expect(Option.isSome(config.redisUrl)).toBe(true)
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
      GATEWAY_CORS_ORIGINS: "https://app.example.com/path",
      REDIS_URL: "http://not-redis",
      GATEWAY_RATE_LIMIT_PREFIX: "has spaces",
    })
    expect(issues.map((issue) => issue.variable).toSorted()).toEqual([
      "GATEWAY_BODY_LIMIT_BYTES",
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

  test("production needs Redis (the instances share the counts), a named issuer and a named guest issuer", () => {
    const issues = issuesOf({ APP_ENV: "production" })
    expect(issues.map((issue) => issue.variable).toSorted()).toEqual(["AUTH_GUEST_ISSUER", "AUTH_ISSUER", "REDIS_URL"])
  })

  test("a budget is <requests>/<window>", () => {
    expect(parseBudget("300/1 minute")).toEqual({ points: 300, window: Duration.minutes(1) })
    expect(parseBudget(" 5 / 15 minutes ")).toEqual({ points: 5, window: Duration.minutes(15) })
    for (const bad of ["", "300", "/1 minute", "x/1 minute", "1.5/1 minute", "10/0 seconds", "10/500 millis", "10/2 days", "10/soon"]) {
      expect(parseBudget(bad)).toBeUndefined()
    }
  })
})
