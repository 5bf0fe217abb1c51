import { describe, expect, test } from "bun:test"
import { AppConfig } from "@flight/runtime"
import { ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { developmentSecret, IdentityConfig } from "../src/infrastructure/IdentityConfig.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(IdentityConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

/** The variables a failed read names. */
const failing = (env: Record<string, string>) => {
  const result = read(env)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return AppConfig.issues(result.left)
}

const production = {
  APP_ENV: "production",
  DATABASE_URL: "postgres://identity:s3cret@db.internal:5432/identity",
  BETTER_AUTH_SECRET: "a-production-secret-of-at-least-32-chars",
  AUTH_ISSUER: "https://id.example.com",
}

describe("identity configuration", () => {
  test("defaults: port 3005, in memory, issuer http://localhost:3005, 5 sign-ins a minute, a secret made per start, the documented staff", () => {
    const config = Either.getOrThrow(read({}))
    expect(config.port).toBe(3005)
    expect(Option.isNone(config.databaseUrl)).toBe(true)
    expect(config.issuer.href).toBe("http://localhost:3005/")
    expect(config.audience).toBe("flight-booking")
    expect(config.secret._tag).toBe("PerStart")
    expect([config.signInMaxAttempts, Duration.toSeconds(config.signInWindow)]).toEqual([5, 60])
    expect(config.staff.map((seed) => [seed.role, seed.email, seed.isDefault])).toEqual([
      ["ops", "ops@flight.local", true],
      ["admin", "admin@flight.local", true],
    ])
  })

  test("PostgreSQL in development without BETTER_AUTH_SECRET uses the published development secret", () => {
    expect(Either.getOrThrow(read({ DATABASE_URL: "postgres://db/identity" })).secret._tag).toBe("Development")
  })

  test("on PostgreSQL the development staff are not seeded: only configured staff, the others said unseeded", () => {
    const none = Either.getOrThrow(read({ DATABASE_URL: "postgres://db/identity" }))
    expect(none.staff).toEqual([])
    expect(none.unseeded).toEqual(["ops", "admin"])
    const ops = Either.getOrThrow(read({ DATABASE_URL: "postgres://db/identity", SEED_OPS_EMAIL: "ops@example.com", SEED_OPS_PASSWORD: "a-configured-password" }))
    expect(ops.staff.map((seed) => [seed.role, seed.email, seed.isDefault])).toEqual([["ops", "ops@example.com", false]])
    expect(ops.unseeded).toEqual(["admin"])
    expect(Either.getOrThrow(read({})).unseeded).toEqual([])
  })

  test("configured staff replace the defaults, emails in lower case, passwords redacted", () => {
    const config = Either.getOrThrow(read({ SEED_OPS_EMAIL: "Ops@Example.com", SEED_OPS_PASSWORD: "a-configured-password" }))
    expect(config.staff.map((seed) => [seed.email, seed.isDefault])).toEqual([["ops@example.com", false], ["admin@flight.local", true]])
    expect(String(config.staff[0]!.password)).not.toContain("a-configured-password")
  })

  test("production with everything set starts, with no staff unless configured", () => {
    const config = Either.getOrThrow(read(production))
    expect(config.staff).toEqual([])
    expect(config.secret._tag).toBe("Configured")
    expect(config.issuer.href).toBe("https://id.example.com/")
  })

  test("production without BETTER_AUTH_SECRET or DATABASE_URL is refused, naming each", () => {
    const { BETTER_AUTH_SECRET: _secret, DATABASE_URL: _url, ...rest } = production
    expect(failing(rest).map((issue) => issue.variable).sort()).toEqual(["BETTER_AUTH_SECRET", "DATABASE_URL"])
  })

  test("production refuses the published development secret", () => {
    expect(failing({ ...production, BETTER_AUTH_SECRET: developmentSecret }).map((issue) => issue.variable)).toEqual(["BETTER_AUTH_SECRET"])
  })

  test("a secret shorter than 32 characters is refused, without quoting it", () => {
    const issues = failing({ BETTER_AUTH_SECRET: "short-s3cret" })
    expect(issues.map((issue) => issue.variable)).toEqual(["BETTER_AUTH_SECRET"])
    expect(JSON.stringify(issues)).not.toContain("short-s3cret")
  })

  test("a weak staff password stops the start naming its variable, without quoting it", () => {
    for (const password of ["short", "password1234", "aaaaaaaaaaaaaaaaaa"]) {
      const issues = failing({ ...production, SEED_ADMIN_EMAIL: "admin@example.com", SEED_ADMIN_PASSWORD: password })
      expect(issues.map((issue) => issue.variable)).toEqual(["SEED_ADMIN_PASSWORD"])
      expect(JSON.stringify(issues)).not.toContain(`"${password}"`)
    }
  })

  test("a staff email without its password, or a password without its email, is refused naming the missing one", () => {
    expect(failing({ SEED_OPS_EMAIL: "ops@example.com" }).map((issue) => issue.variable)).toEqual(["SEED_OPS_PASSWORD"])
    expect(failing({ SEED_OPS_PASSWORD: "a-strong-enough-pass" }).map((issue) => issue.variable)).toEqual(["SEED_OPS_EMAIL"])
    expect(failing({ SEED_OPS_EMAIL: "not an email", SEED_OPS_PASSWORD: "a-strong-enough-pass" }).map((issue) => issue.variable)).toEqual(["SEED_OPS_EMAIL"])
  })

  test("bad values of the other variables fail naming each", () => {
    const cases: Record<string, string> = {
      AUTH_ISSUER: "ftp://id.example.com",
      AUTH_AUDIENCE: "two words",
      AUTH_TRUSTED_ORIGINS: "https://app.example.com/path",
      AUTH_CLIENT_IP_HEADER: "x forwarded",
      AUTH_SIGN_IN_MAX_ATTEMPTS: "0",
      AUTH_SIGN_IN_WINDOW: "soon",
      AUTH_KEY_ROTATION: "-1 days",
      AUTH_KEY_GRACE_PERIOD: "5 minutes",
      DATABASE_URL: "mysql://identity:s3cret@db/identity",
    }
    for (const [variable, value] of Object.entries(cases)) {
      const issues = failing({ [variable]: value })
      expect(issues.map((issue) => issue.variable)).toEqual([variable])
      expect(JSON.stringify(issues)).not.toContain("s3cret")
    }
  })

  test("AUTH_ISSUER is an origin: a path, a query or credentials fail naming it; a trailing slash is dropped", () => {
    for (const value of ["https://example.com/identity", "https://id.example.com?x=1", "https://user:pw@id.example.com"]) {
      expect(failing({ AUTH_ISSUER: value }).map((issue) => issue.variable)).toEqual(["AUTH_ISSUER"])
    }
    expect(Either.getOrThrow(read({ AUTH_ISSUER: "https://id.example.com/" })).issuer.origin).toBe("https://id.example.com")
  })

  test("AUTH_TRUSTED_PROXIES: IP addresses separated by commas; anything else fails naming it", () => {
    expect(Either.getOrThrow(read({ AUTH_TRUSTED_PROXIES: "10.0.0.5, ::FFFF:10.0.0.6,fd00::1" })).trustedProxies).toEqual(["10.0.0.5", "10.0.0.6", "fd00::1"])
    expect(Either.getOrThrow(read({})).trustedProxies).toEqual([])
    for (const value of ["gateway", "10.0.0.0/8", "10.0.0.5,proxy.internal"]) {
      expect(failing({ AUTH_TRUSTED_PROXIES: value }).map((issue) => issue.variable)).toEqual(["AUTH_TRUSTED_PROXIES"])
    }
  })

  test("trusted origins and the client address header are read", () => {
    const config = Either.getOrThrow(read({ AUTH_TRUSTED_ORIGINS: "https://app.example.com, http://localhost:3000", AUTH_CLIENT_IP_HEADER: "X-Forwarded-For" }))
    expect(config.trustedOrigins).toEqual(["https://app.example.com", "http://localhost:3000"])
    expect(config.clientIpHeader).toEqual(Option.some("x-forwarded-for"))
  })

  test("the secret is redacted", () => {
    const config = Either.getOrThrow(read({ BETTER_AUTH_SECRET: "a-secret-value-of-at-least-32-characters" }))
    expect(config.secret._tag === "Configured" && Redacted.value(config.secret.value)).toBe("a-secret-value-of-at-least-32-characters")
    expect(JSON.stringify(config)).not.toContain("a-secret-value")
  })
})
