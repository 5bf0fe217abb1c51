import { describe, expect, test } from "bun:test"
import { AppConfig } from "@flight/runtime"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { FlightConfig } from "../src/infrastructure/FlightConfig.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(FlightConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

/** The variables a failed read names, with their problems. */
const issues = (env: Record<string, string>) => {
  const result = read(env)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return AppConfig.issues(result.left)
}

describe("flight configuration", () => {
  test("defaults: port 3002, development, in-memory store and in-process bus", () => {
    const config = Either.getOrThrow(read({}))
    expect(config.port).toBe(3002)
    expect(config.appEnv).toBe("development")
    expect(Option.isNone(config.mongodbUrl)).toBe(true)
    expect(Option.isNone(config.rabbitmqUrl)).toBe(true)
  })

  test("reads PORT, MONGODB_URL and RABBITMQ_URL, keeping the URLs redacted", () => {
    const config = Either.getOrThrow(read({
      PORT: "8081",
      MONGODB_URL: "mongodb+srv://app:s3cret@cluster0.example.net/flights",
      RABBITMQ_URL: "amqp://guest:guest@broker:5672",
    }))
    expect(config.port).toBe(8081)
    expect(Option.map(config.mongodbUrl, (url) => Redacted.value(url).hosts)).toEqual(Option.some(["cluster0.example.net"]))
    expect(String(config.mongodbUrl)).not.toContain("s3cret")
    expect(Option.isSome(config.rabbitmqUrl)).toBe(true)
  })

  test("a replica-set connection string with several hosts is accepted, and logged without its password", () => {
    const config = Either.getOrThrow(read({ MONGODB_URL: "mongodb://app:s3cret@a.example:27017,b.example:27018/flights?replicaSet=rs0" }))
    const url = Option.getOrThrow(config.mongodbUrl)
    expect(Redacted.value(url).hosts).toEqual(["a.example:27017", "b.example:27018"])
    expect(MongoStore.address(url)).toBe("a.example:27017,b.example:27018/flights")
    expect(MongoStore.databaseName(url)).toBe("flights")
  })

  test("a MONGODB_URL without a host, or typed without //, fails without quoting the secret", () => {
    for (const value of ["mongodb://", "mongodb:admin:s3cret@db/flights"]) {
      const found = issues({ MONGODB_URL: value })
      expect(found.map((issue) => issue.variable)).toEqual(["MONGODB_URL"])
      expect(JSON.stringify(found)).not.toContain("s3cret")
    }
  })

  test("a bad PORT fails naming PORT", () => {
    expect(issues({ PORT: "http" }).map((issue) => issue.variable)).toEqual(["PORT"])
  })

  test("a MONGODB_URL of another scheme fails naming MONGODB_URL, without the secret", () => {
    const found = issues({ MONGODB_URL: "redis://admin:s3cret@db:6379" })
    expect(found.map((issue) => issue.variable)).toEqual(["MONGODB_URL"])
    expect(JSON.stringify(found)).not.toContain("s3cret")
  })

  test("a RABBITMQ_URL of another scheme fails naming RABBITMQ_URL", () => {
    expect(issues({ RABBITMQ_URL: "http://broker" }).map((issue) => issue.variable)).toEqual(["RABBITMQ_URL"])
  })

  test("APP_ENV=production without MONGODB_URL, RABBITMQ_URL and AUTH_ISSUER fails naming each", () => {
    const found = issues({ APP_ENV: "production" })
    expect(found.map((issue) => issue.variable)).toEqual(["MONGODB_URL", "RABBITMQ_URL", "AUTH_ISSUER"])
    expect(found[0]!.problem).toContain("APP_ENV=production")
    expect(issues({ APP_ENV: "production", MONGODB_URL: "mongodb://mongo", AUTH_ISSUER: "https://id.example" }).map((issue) => issue.variable))
      .toEqual(["RABBITMQ_URL"])
  })

  test("APP_ENV=production with both URLs and AUTH_ISSUER starts", () => {
    const config = read({ APP_ENV: "production", MONGODB_URL: "mongodb://mongo", RABBITMQ_URL: "amqps://broker", AUTH_ISSUER: "https://id.example" })
    expect(Either.isRight(config)).toBe(true)
  })

  test("a bad APP_ENV fails naming APP_ENV", () => {
    expect(issues({ APP_ENV: "prod" }).map((issue) => issue.variable)).toEqual(["APP_ENV"])
  })
})
