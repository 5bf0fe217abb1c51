import { describe, expect, test } from "bun:test"
import { AppConfig } from "@flight/runtime"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { NotificationConfig } from "../src/infrastructure/NotificationConfig.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(
    Effect.either(Effect.withConfigProvider(NotificationConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))),
  )

/** The variables a failed read names, with their problems. */
const issues = (env: Record<string, string>) => {
  const result = read(env)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return AppConfig.issues(result.left)
}

describe("notification configuration", () => {
  test("defaults: port 3004, development, in-process bus", () => {
    const config = Either.getOrThrow(read({}))
    expect(config.port).toBe(3004)
    expect(config.appEnv).toBe("development")
    expect(Option.isNone(config.rabbitmqUrl)).toBe(true)
  })

  test("reads PORT and RABBITMQ_URL, keeping the URL redacted", () => {
    const config = Either.getOrThrow(read({ PORT: "8084", RABBITMQ_URL: "amqps://app:s3cret@broker:5671/flight" }))
    expect(config.port).toBe(8084)
    expect(Option.isSome(config.rabbitmqUrl)).toBe(true)
    expect(String(config.rabbitmqUrl)).not.toContain("s3cret")
  })

  test("DATABASE_URL is optional (the history in memory without it), a postgres: URL kept redacted, anything else fails naming it", () => {
    expect(Option.isNone(Either.getOrThrow(read({})).databaseUrl)).toBe(true)
    const config = Either.getOrThrow(read({ DATABASE_URL: "postgres://app:s3cret@db.internal:5432/notifications" }))
    expect(Option.map(config.databaseUrl, (url) => Redacted.value(url).pathname)).toEqual(Option.some("/notifications"))
    expect(String(config.databaseUrl)).not.toContain("s3cret")
    const failed = issues({ DATABASE_URL: "mysql://app:s3cret@db.internal/notifications" })
    expect(failed.map((issue) => issue.variable)).toEqual(["DATABASE_URL"])
    expect(JSON.stringify(failed)).not.toContain("s3cret")
  })

  test("SMTP_URL is optional, an smtp: or smtps: URL kept redacted, anything else fails naming it", () => {
    expect(Option.isNone(Either.getOrThrow(read({})).smtpUrl)).toBe(true)
    const config = Either.getOrThrow(read({ SMTP_URL: "smtps://mailer:s3cret@smtp.example:465" }))
    expect(Option.map(config.smtpUrl, (url) => Redacted.value(url).hostname)).toEqual(Option.some("smtp.example"))
    expect(String(config.smtpUrl)).not.toContain("s3cret")
    const failed = issues({ SMTP_URL: "http://mailer:s3cret@smtp.example" })
    expect(failed.map((issue) => issue.variable)).toEqual(["SMTP_URL"])
    expect(JSON.stringify(failed)).not.toContain("s3cret")
  })

  test("a bad PORT fails naming PORT", () => {
    expect(issues({ PORT: "-1" }).map((issue) => issue.variable)).toEqual(["PORT"])
  })

  test("a RABBITMQ_URL of another scheme fails naming RABBITMQ_URL, without the secret", () => {
    const found = issues({ RABBITMQ_URL: "http://app:s3cret@broker" })
    expect(found.map((issue) => issue.variable)).toEqual(["RABBITMQ_URL"])
    expect(JSON.stringify(found)).not.toContain("s3cret")
  })

  test("APP_ENV=production without RABBITMQ_URL, AUTH_ISSUER and AUTH_GUEST_ISSUER fails naming each", () => {
    const found = issues({ APP_ENV: "production" })
    expect(found.map((issue) => issue.variable)).toEqual(["RABBITMQ_URL", "AUTH_ISSUER", "AUTH_GUEST_ISSUER"])
    expect(found[0]!.problem).toContain("APP_ENV=production")
  })

  test("APP_ENV=production with RABBITMQ_URL, AUTH_ISSUER and AUTH_GUEST_ISSUER starts", () => {
    const production = { APP_ENV: "production", RABBITMQ_URL: "amqp://broker", AUTH_ISSUER: "https://id.example" }
    expect(issues(production).map((issue) => issue.variable)).toEqual(["AUTH_GUEST_ISSUER"])
    expect(Either.isRight(read({ ...production, AUTH_GUEST_ISSUER: "https://booking.example" }))).toBe(true)
  })

  test("a bad APP_ENV fails naming APP_ENV", () => {
    expect(issues({ APP_ENV: "staging" }).map((issue) => issue.variable)).toEqual(["APP_ENV"])
  })
})
