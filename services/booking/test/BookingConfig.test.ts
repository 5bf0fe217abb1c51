import { describe, expect, test } from "bun:test"
import { AppConfig } from "@flight/runtime"
import { ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { BookingConfig } from "../src/infrastructure/BookingConfig.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(BookingConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

/** The variables a failed read names, with their problems. */
const issues = (env: Record<string, string>) => {
  const result = read(env)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return AppConfig.issues(result.left)
}

/** A private Ed25519 JWK made for these tests only. */
const guestKey = JSON.stringify({
  crv: "Ed25519",
  d: "5EPfL9eCmTX07U0Nr-M_ccnmi05udAgmFQvlyZUmUn8",
  kty: "OKP",
  x: "YlLstXA2bX-nLenIpydOBNzQSSSqayorzvWyZ3neSpg",
  kid: "test-guest",
})

describe("booking configuration", () => {
  test("defaults: port 3001, development, in-memory store and in-process bus", () => {
    const config = Either.getOrThrow(read({}))
    expect(config.port).toBe(3001)
    expect(config.appEnv).toBe("development")
    expect(Option.isNone(config.redisUrl)).toBe(true)
    expect(Option.isNone(config.rabbitmqUrl)).toBe(true)
  })

  test("BOOKING_HOLD_TTL is 15 minutes unless set, and must be a positive duration", () => {
    expect(Duration.toMinutes(Either.getOrThrow(read({})).holdTtl)).toBe(15)
    expect(Duration.toSeconds(Either.getOrThrow(read({ BOOKING_HOLD_TTL: "90 seconds" })).holdTtl)).toBe(90)
    for (const bad of ["soon", "0 minutes"]) {
      expect(issues({ BOOKING_HOLD_TTL: bad }).map((issue) => issue.variable)).toEqual(["BOOKING_HOLD_TTL"])
    }
  })

  test("reads PORT, REDIS_URL and RABBITMQ_URL, keeping the URLs redacted", () => {
    const config = Either.getOrThrow(read({
      PORT: "8081",
      REDIS_URL: "rediss://default:s3cret@cache.example:6380/0",
      RABBITMQ_URL: "amqp://guest:guest@broker:5672",
    }))
    expect(config.port).toBe(8081)
    expect(Option.map(config.redisUrl, (url) => Redacted.value(url).host)).toEqual(Option.some("cache.example:6380"))
    expect(String(config.redisUrl)).not.toContain("s3cret")
    expect(Option.isSome(config.rabbitmqUrl)).toBe(true)
  })

  test("a bad PORT fails naming PORT", () => {
    expect(issues({ PORT: "http" }).map((issue) => issue.variable)).toEqual(["PORT"])
  })

  test("a REDIS_URL of another scheme fails naming REDIS_URL, without the secret", () => {
    const found = issues({ REDIS_URL: "postgres://admin:s3cret@db:5432/x" })
    expect(found.map((issue) => issue.variable)).toEqual(["REDIS_URL"])
    expect(JSON.stringify(found)).not.toContain("s3cret")
  })

  test("a RABBITMQ_URL of another scheme fails naming RABBITMQ_URL", () => {
    expect(issues({ RABBITMQ_URL: "http://broker" }).map((issue) => issue.variable)).toEqual(["RABBITMQ_URL"])
  })

  test("APP_ENV=production without REDIS_URL, RABBITMQ_URL, AUTH_ISSUER and BOOKING_GUEST_KEY fails naming each", () => {
    const found = issues({ APP_ENV: "production" })
    expect(found.map((issue) => issue.variable)).toEqual(["REDIS_URL", "RABBITMQ_URL", "AUTH_ISSUER", "BOOKING_GUEST_KEY"])
    expect(found[0]!.problem).toContain("APP_ENV=production")
    expect(
      issues({ APP_ENV: "production", REDIS_URL: "redis://cache", AUTH_ISSUER: "https://id.example", BOOKING_GUEST_KEY: guestKey })
        .map((issue) => issue.variable),
    ).toEqual(["RABBITMQ_URL"])
  })

  test("APP_ENV=production with both URLs, AUTH_ISSUER and BOOKING_GUEST_KEY starts", () => {
    const config = read({
      APP_ENV: "production",
      REDIS_URL: "redis://cache",
      RABBITMQ_URL: "amqps://broker",
      AUTH_ISSUER: "https://id.example",
      BOOKING_GUEST_KEY: guestKey,
    })
    expect(Either.isRight(config)).toBe(true)
  })

  test("BOOKING_GUEST_KEY must be a private Ed25519 JWK with a kid; the message never shows the key", () => {
    const { kid: _, ...withoutKid } = JSON.parse(guestKey) as Record<string, unknown>
    for (const bad of ["not json", JSON.stringify(withoutKid), JSON.stringify({ kty: "EC", crv: "P-256", d: "x", x: "y", kid: "k" })]) {
      const found = issues({ BOOKING_GUEST_KEY: bad })
      expect(found.map((issue) => issue.variable)).toEqual(["BOOKING_GUEST_KEY"])
      expect(JSON.stringify(found)).not.toContain("5EPfL9eC")
    }
    const config = read({ BOOKING_GUEST_KEY: guestKey, BOOKING_GUEST_ISSUER: "https://booking.example" })
    expect(Either.isRight(config) && [config.right.guest.issuer, Option.isSome(config.right.guest.key)]).toEqual(["https://booking.example", true])
  })

  test("BOOKING_GUEST_PUBLISHED_KEYS: none unless set; a JSON array of Ed25519 JWKs with distinct kids, kept public only", () => {
    expect(Either.getOrThrow(read({})).guest.publishedKeys).toEqual([])
    const { d: _, ...publicKey } = JSON.parse(guestKey) as Record<string, unknown>
    const other = { ...publicKey, kid: "older" }
    const config = Either.getOrThrow(read({ BOOKING_GUEST_PUBLISHED_KEYS: JSON.stringify([JSON.parse(guestKey), other]) }))
    expect(config.guest.publishedKeys).toEqual([publicKey, other])
    for (const bad of ["[not json", JSON.stringify(publicKey), JSON.stringify([{ ...publicKey, kid: "" }]), JSON.stringify([publicKey, publicKey]), JSON.stringify([{ kty: "EC", crv: "P-256", x: "y", kid: "k" }])]) {
      expect(issues({ BOOKING_GUEST_PUBLISHED_KEYS: bad }).map((issue) => issue.variable)).toEqual(["BOOKING_GUEST_PUBLISHED_KEYS"])
    }
  })

  test("BOOKING_MAX_HELD_SEATS is 9 unless set; a whole number from 1 to 1000, or the error names it", () => {
    expect(Either.getOrThrow(read({})).maxHeldSeats).toBe(9)
    expect(Either.getOrThrow(read({ BOOKING_MAX_HELD_SEATS: "20" })).maxHeldSeats).toBe(20)
    expect(Either.getOrThrow(read({ BOOKING_MAX_HELD_SEATS: "1000" })).maxHeldSeats).toBe(1000)
    for (const bad of ["0", "1001", "-3", "2.5", "nine", ""]) {
      expect(issues({ BOOKING_MAX_HELD_SEATS: bad }).map((issue) => issue.variable)).toEqual(["BOOKING_MAX_HELD_SEATS"])
    }
  })

  test("the client's address: the connection's unless AUTH_CLIENT_IP_HEADER and AUTH_TRUSTED_PROXIES say which proxy to believe", () => {
    expect(Either.getOrThrow(read({})).clientAddress).toEqual({ header: Option.none(), trustedProxies: [] })
    const config = Either.getOrThrow(read({ AUTH_CLIENT_IP_HEADER: "X-Forwarded-For", AUTH_TRUSTED_PROXIES: "10.0.0.5, 10.0.0.6" }))
    expect(config.clientAddress).toEqual({ header: Option.some("x-forwarded-for"), trustedProxies: ["10.0.0.5", "10.0.0.6"] })
    expect(issues({ AUTH_TRUSTED_PROXIES: "gateway" }).map((issue) => issue.variable)).toEqual(["AUTH_TRUSTED_PROXIES"])
    expect(issues({ AUTH_CLIENT_IP_HEADER: "x forwarded" }).map((issue) => issue.variable)).toEqual(["AUTH_CLIENT_IP_HEADER"])
  })

  test("a bad APP_ENV fails naming APP_ENV", () => {
    expect(issues({ APP_ENV: "prod" }).map((issue) => issue.variable)).toEqual(["APP_ENV"])
  })
})
