import { describe, expect, test } from "bun:test"
import { Config, ConfigProvider, Duration, Effect, Either, Logger, LogLevel, Option, Redacted } from "effect"
import { AppConfig } from "../src/index.ts"

const read = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))))

const failureText = <A>(config: Config.Config<A>, env: Record<string, string>): string => {
  const result = read(config, env)
  if (Either.isRight(result)) throw new Error(`expected a ConfigError, got ${String(result.right)}`)
  return String(result.left)
}

describe("AppConfig", () => {
  test("port defaults when PORT is unset and accepts 1..65535", () => {
    expect(read(AppConfig.port(3002), {})).toEqual(Either.right(3002))
    expect(read(AppConfig.port(3002), { PORT: "8080" })).toEqual(Either.right(8080))
  })

  test.each(["0", "65536", "abc", "80.5", ""])("PORT=%p fails naming PORT", (value) => {
    expect(failureText(AppConfig.port(3002), { PORT: value })).toContain("PORT")
  })

  test("log level: the five names, default info", () => {
    expect(read(AppConfig.logLevel, {})).toEqual(Either.right(LogLevel.Info))
    expect(read(AppConfig.logLevel, { LOG_LEVEL: "warning" })).toEqual(Either.right(LogLevel.Warning))
    expect(read(AppConfig.logLevel, { LOG_LEVEL: "DEBUG" })).toEqual(Either.right(LogLevel.Debug))
    const text = failureText(AppConfig.logLevel, { LOG_LEVEL: "verbose" })
    expect(text).toContain("LOG_LEVEL")
    expect(text).toContain("trace, debug, info, warning, error")
  })

  test("APP_ENV: development by default, a bad value names the variable", () => {
    expect(read(AppConfig.appEnv, {})).toEqual(Either.right("development"))
    expect(read(AppConfig.appEnv, { APP_ENV: "production" })).toEqual(Either.right("production"))
    expect(failureText(AppConfig.appEnv, { APP_ENV: "prod" })).toContain("APP_ENV")
  })

  describe("optionalUrl", () => {
    const redis = AppConfig.optionalUrl("REDIS_URL", ["redis:", "rediss:"])

    test("unset or empty is None", () => {
      expect(read(redis, {})).toEqual(Either.right(Option.none()))
      expect(read(redis, { REDIS_URL: "" })).toEqual(Either.right(Option.none()))
    })

    test("a URL with an expected scheme is Some, redacted", () => {
      const result = read(redis, { REDIS_URL: "redis://user:s3cret@localhost:6379/0" })
      if (Either.isLeft(result) || Option.isNone(result.right)) throw new Error("expected Some")
      expect(String(result.right.value)).toBe("<redacted>")
      expect(Redacted.value(result.right.value).hostname).toBe("localhost")
    })

    test("a wrong scheme or a non-URL fails naming the variable and never quoting the value", () => {
      for (const value of ["http://user:s3cret@localhost", "not a url s3cret"]) {
        const text = failureText(redis, { REDIS_URL: value })
        expect(text).toContain("REDIS_URL")
        expect(text).not.toContain("s3cret")
      }
    })

    test("a URL that names no server fails, and one typed without // never reaches the logs", () => {
      const postgres = AppConfig.optionalUrl("DATABASE_URL", ["postgres:", "postgresql:"])
      for (const value of ["postgres:admin:s3cret@db.internal:5432/payments", "postgres://", "postgres:s3cret"]) {
        const text = failureText(postgres, { DATABASE_URL: value })
        expect(text).toContain("DATABASE_URL")
        expect(text).toContain("a host")
        expect(text).not.toContain("s3cret")
      }
      for (const value of ["redis://", "redis:s3cret"]) {
        const text = failureText(redis, { REDIS_URL: value })
        expect(text).toContain("REDIS_URL")
        expect(text).not.toContain("s3cret")
      }
    })
  })

  test("duration accepts Effect duration strings and fails naming the variable", () => {
    const ttl = AppConfig.duration("BOOKING_HOLD_TTL", "15 minutes")
    expect(Either.map(read(ttl, {}), Duration.toMillis)).toEqual(Either.right(15 * 60_000))
    expect(Either.map(read(ttl, { BOOKING_HOLD_TTL: "500 millis" }), Duration.toMillis)).toEqual(Either.right(500))
    expect(failureText(ttl, { BOOKING_HOLD_TTL: "soon" })).toContain("BOOKING_HOLD_TTL")
    for (const nothing of ["0 minutes", "-5 minutes"]) {
      expect(failureText(ttl, { BOOKING_HOLD_TTL: nothing })).toContain("BOOKING_HOLD_TTL")
    }
  })

  test("loadOrExit logs one line naming every bad variable, without secrets, and fails", () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ message }) => lines.push(String(Array.isArray(message) ? message[0] : message)))
    const config = Config.all({
      port: AppConfig.port(3001),
      redis: AppConfig.optionalUrl("REDIS_URL", ["redis:"]),
    })
    const exit = Effect.runSyncExit(
      AppConfig.loadOrExit(config).pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["PORT", "http"], ["REDIS_URL", "mongodb://root:s3cret@db"]])),
        ),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      ),
    )
    expect(exit._tag).toBe("Failure")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("PORT")
    expect(lines[0]).toContain("REDIS_URL")
    expect(lines[0]).not.toContain("s3cret")
    const failure = exit._tag === "Failure" ? exit.cause : undefined
    expect(failure?._tag === "Fail" && failure.error.issues.map((i) => i.variable)).toEqual(["PORT", "REDIS_URL"])
  })
})
