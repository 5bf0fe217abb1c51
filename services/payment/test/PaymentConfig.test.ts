import { describe, expect, test } from "bun:test"
import { AppConfig } from "@flight/runtime"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { PaymentConfig } from "../src/infrastructure/PaymentConfig.ts"
import { PaymentConfig as ServiceConfig } from "../src/main.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(PaymentConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

/** The variables a failed read names, with their problems. */
const issues = (env: Record<string, string>) => {
  const result = read(env)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return AppConfig.issues(result.left)
}

describe("payment configuration", () => {
  test("defaults: port 3003, development, in-memory store and in-process bus", () => {
    const config = Either.getOrThrow(read({}))
    expect(config.port).toBe(3003)
    expect(config.appEnv).toBe("development")
    expect(Option.isNone(config.databaseUrl)).toBe(true)
    expect(Option.isNone(config.rabbitmqUrl)).toBe(true)
  })

  test("reads PORT, DATABASE_URL and RABBITMQ_URL, keeping the URLs redacted", () => {
    const config = Either.getOrThrow(read({
      PORT: "8081",
      DATABASE_URL: "postgresql://app:s3cret@db.example:6543/payments",
      RABBITMQ_URL: "amqp://guest:guest@broker:5672",
    }))
    expect(config.port).toBe(8081)
    expect(Option.map(config.databaseUrl, (url) => Redacted.value(url).host)).toEqual(Option.some("db.example:6543"))
    expect(String(config.databaseUrl)).not.toContain("s3cret")
    expect(Option.isSome(config.rabbitmqUrl)).toBe(true)
  })

  test("a bad PORT fails naming PORT", () => {
    expect(issues({ PORT: "http" }).map((issue) => issue.variable)).toEqual(["PORT"])
  })

  test("a DATABASE_URL of another scheme fails naming DATABASE_URL, without the secret", () => {
    const found = issues({ DATABASE_URL: "mysql://admin:s3cret@db:3306/x" })
    expect(found.map((issue) => issue.variable)).toEqual(["DATABASE_URL"])
    expect(JSON.stringify(found)).not.toContain("s3cret")
  })

  test("a RABBITMQ_URL of another scheme fails naming RABBITMQ_URL", () => {
    expect(issues({ RABBITMQ_URL: "http://broker" }).map((issue) => issue.variable)).toEqual(["RABBITMQ_URL"])
  })

  test("APP_ENV=production without DATABASE_URL and RABBITMQ_URL fails naming both", () => {
    const found = issues({ APP_ENV: "production" })
    expect(found.map((issue) => issue.variable)).toEqual(["DATABASE_URL", "RABBITMQ_URL"])
    expect(found[0]!.problem).toContain("APP_ENV=production")
    expect(issues({ APP_ENV: "production", DATABASE_URL: "postgres://db/payments" }).map((issue) => issue.variable))
      .toEqual(["RABBITMQ_URL"])
  })

  test("APP_ENV=production with both URLs starts", () => {
    const config = read({ APP_ENV: "production", DATABASE_URL: "postgres://db/payments", RABBITMQ_URL: "amqps://broker" })
    expect(Either.isRight(config)).toBe(true)
  })

  test("a bad APP_ENV fails naming APP_ENV", () => {
    expect(issues({ APP_ENV: "prod" }).map((issue) => issue.variable)).toEqual(["APP_ENV"])
  })

  test("APP_ENV=production also needs AUTH_ISSUER and AUTH_GUEST_ISSUER, whose localhost defaults would refuse every token", () => {
    const production = { APP_ENV: "production", DATABASE_URL: "postgres://db/payments", RABBITMQ_URL: "amqps://broker" }
    const named = (env: Record<string, string>) => {
      const result = Effect.runSync(Effect.either(Effect.withConfigProvider(ServiceConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))
      return Either.isRight(result) ? [] : AppConfig.issues(result.left).map((issue) => issue.variable)
    }
    expect(named(production)).toEqual(["AUTH_ISSUER", "AUTH_GUEST_ISSUER"])
    expect(named({ ...production, AUTH_ISSUER: "https://id.example" })).toEqual(["AUTH_GUEST_ISSUER"])
    expect(named({ ...production, AUTH_ISSUER: "https://id.example", AUTH_GUEST_ISSUER: "https://booking.example" })).toEqual([])
  })
})
