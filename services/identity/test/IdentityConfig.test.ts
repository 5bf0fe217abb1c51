/**
 * The identity service's configuration: the tests every service makes (`ConfigSuite`), then its own
 * — the signing secret, the staff it seeds, the issuer, sign-in limits, key rotation, the trusted
 * origins and proxies.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Duration, Option, Redacted } from "effect"
import { developmentSecret, IdentityConfig } from "../src/infrastructure/IdentityConfig.ts"

ConfigSuite.describe({
  service: "identity",
  config: IdentityConfig,
  port: 3005,
  urls: [ConfigSuite.databaseUrl],
  productionRequires: [{ DATABASE_URL: "postgres://db/identity", BETTER_AUTH_SECRET: "a-production-secret-of-at-least-32-chars" }],
})

const { issues: failing, named, valid } = ConfigSuite.reader(IdentityConfig)

const production = {
  APP_ENV: "production",
  DATABASE_URL: "postgres://identity:s3cret@db.internal:5432/identity",
  BETTER_AUTH_SECRET: "a-production-secret-of-at-least-32-chars",
  AUTH_ISSUER: "https://id.example.com",
}

describe("identity configuration", () => {
  test("defaults: issuer http://localhost:3005, 5 sign-ins a minute, a secret made per start, the documented staff", () => {
    const config = valid({})
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
    expect(valid({ DATABASE_URL: "postgres://db/identity" }).secret._tag).toBe("Development")
  })

  test("on PostgreSQL the development staff are not seeded: only configured staff, the others said unseeded", () => {
    const none = valid({ DATABASE_URL: "postgres://db/identity" })
    expect(none.staff).toEqual([])
    expect(none.unseeded).toEqual(["ops", "admin"])
    const ops = valid({ DATABASE_URL: "postgres://db/identity", SEED_OPS_EMAIL: "ops@example.com", SEED_OPS_PASSWORD: "a-configured-password" })
    expect(ops.staff.map((seed) => [seed.role, seed.email, seed.isDefault])).toEqual([["ops", "ops@example.com", false]])
    expect(ops.unseeded).toEqual(["admin"])
    expect(valid({}).unseeded).toEqual([])
  })

  test("configured staff replace the defaults, emails in lower case, passwords redacted", () => {
    const config = valid({ SEED_OPS_EMAIL: "Ops@Example.com", SEED_OPS_PASSWORD: "a-configured-password" })
    expect(config.staff.map((seed) => [seed.email, seed.isDefault])).toEqual([["ops@example.com", false], ["admin@flight.local", true]])
    expect(String(config.staff[0]!.password)).not.toContain("a-configured-password")
  })

  test("production with everything set starts, with no staff unless configured", () => {
    const config = valid(production)
    expect(config.staff).toEqual([])
    expect(config.secret._tag).toBe("Configured")
    expect(config.issuer.href).toBe("https://id.example.com/")
  })

  test("production refuses the published development secret", () => {
    expect(named({ ...production, BETTER_AUTH_SECRET: developmentSecret })).toEqual(["BETTER_AUTH_SECRET"])
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
    expect(named({ SEED_OPS_EMAIL: "ops@example.com" })).toEqual(["SEED_OPS_PASSWORD"])
    expect(named({ SEED_OPS_PASSWORD: "a-strong-enough-pass" })).toEqual(["SEED_OPS_EMAIL"])
    expect(named({ SEED_OPS_EMAIL: "not an email", SEED_OPS_PASSWORD: "a-strong-enough-pass" })).toEqual(["SEED_OPS_EMAIL"])
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
    }
    for (const [variable, value] of Object.entries(cases)) {
      const issues = failing({ [variable]: value })
      expect(issues.map((issue) => issue.variable)).toEqual([variable])
      expect(JSON.stringify(issues)).not.toContain("s3cret")
    }
  })

  test("AUTH_ISSUER is an origin: a path, a query or credentials fail naming it; a trailing slash is dropped", () => {
    for (const value of ["https://example.com/identity", "https://id.example.com?x=1", "https://user:pw@id.example.com"]) {
      expect(named({ AUTH_ISSUER: value })).toEqual(["AUTH_ISSUER"])
    }
    expect(valid({ AUTH_ISSUER: "https://id.example.com/" }).issuer.origin).toBe("https://id.example.com")
  })

  test("AUTH_TRUSTED_PROXIES: IP addresses separated by commas; anything else fails naming it", () => {
    expect(valid({ AUTH_TRUSTED_PROXIES: "10.0.0.5, ::FFFF:10.0.0.6,fd00::1" }).trustedProxies).toEqual(["10.0.0.5", "10.0.0.6", "fd00::1"])
    expect(valid({}).trustedProxies).toEqual([])
    for (const value of ["gateway", "10.0.0.0/8", "10.0.0.5,proxy.internal"]) {
      expect(named({ AUTH_TRUSTED_PROXIES: value })).toEqual(["AUTH_TRUSTED_PROXIES"])
    }
  })

  test("trusted origins and the client address header are read", () => {
    const config = valid({ AUTH_TRUSTED_ORIGINS: "https://app.example.com, http://localhost:3000", AUTH_CLIENT_IP_HEADER: "X-Forwarded-For" })
    expect(config.trustedOrigins).toEqual(["https://app.example.com", "http://localhost:3000"])
    expect(config.clientIpHeader).toEqual(Option.some("x-forwarded-for"))
  })

  test("the secret is redacted", () => {
    const config = valid({ BETTER_AUTH_SECRET: "a-secret-value-of-at-least-32-characters" })
    expect(config.secret._tag === "Configured" && Redacted.value(config.secret.value)).toBe("a-secret-value-of-at-least-32-characters")
    expect(JSON.stringify(config)).not.toContain("a-secret-value")
  })
})
