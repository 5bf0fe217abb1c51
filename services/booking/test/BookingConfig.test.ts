/**
 * The booking service's configuration: the tests every service makes (`ConfigSuite`), then its own
 * variables — the hold's time to live, the guest tokens' key and published keys, the holding limit
 * and the client's address behind a proxy.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Duration, Either, Option } from "effect"
import { BookingConfig } from "../src/infrastructure/BookingConfig.ts"

/** A private Ed25519 JWK made for these tests only. */
const guestKey = JSON.stringify({
  crv: "Ed25519",
  d: "5EPfL9eCmTX07U0Nr-M_ccnmi05udAgmFQvlyZUmUn8",
  kty: "OKP",
  x: "YlLstXA2bX-nLenIpydOBNzQSSSqayorzvWyZ3neSpg",
  kid: "test-guest",
})

ConfigSuite.describe({
  service: "booking",
  config: BookingConfig,
  port: 3001,
  urls: [ConfigSuite.redisUrl, ConfigSuite.rabbitmqUrl],
  productionRequires: [
    { REDIS_URL: "redis://cache", RABBITMQ_URL: "amqps://broker", AUTH_ISSUER: "https://id.example", BOOKING_GUEST_KEY: guestKey },
  ],
})

const { issues, named, read, valid } = ConfigSuite.reader(BookingConfig)

describe("booking configuration", () => {
  test("BOOKING_HOLD_TTL is 15 minutes unless set, and must be a positive duration", () => {
    expect(Duration.toMinutes(valid({}).holdTtl)).toBe(15)
    expect(Duration.toSeconds(valid({ BOOKING_HOLD_TTL: "90 seconds" }).holdTtl)).toBe(90)
    for (const bad of ["soon", "0 minutes"]) {
      expect(named({ BOOKING_HOLD_TTL: bad })).toEqual(["BOOKING_HOLD_TTL"])
    }
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
    expect(valid({}).guest.publishedKeys).toEqual([])
    const { d: _, ...publicKey } = JSON.parse(guestKey) as Record<string, unknown>
    const other = { ...publicKey, kid: "older" }
    const config = valid({ BOOKING_GUEST_PUBLISHED_KEYS: JSON.stringify([JSON.parse(guestKey), other]) })
    expect(config.guest.publishedKeys).toEqual([publicKey, other])
    for (const bad of ["[not json", JSON.stringify(publicKey), JSON.stringify([{ ...publicKey, kid: "" }]), JSON.stringify([publicKey, publicKey]), JSON.stringify([{ kty: "EC", crv: "P-256", x: "y", kid: "k" }])]) {
      expect(named({ BOOKING_GUEST_PUBLISHED_KEYS: bad })).toEqual(["BOOKING_GUEST_PUBLISHED_KEYS"])
    }
  })

  test("BOOKING_MAX_HELD_SEATS is 9 unless set; a whole number from 1 to 1000, or the error names it", () => {
    expect(valid({}).maxHeldSeats).toBe(9)
    expect(valid({ BOOKING_MAX_HELD_SEATS: "20" }).maxHeldSeats).toBe(20)
    expect(valid({ BOOKING_MAX_HELD_SEATS: "1000" }).maxHeldSeats).toBe(1000)
    for (const bad of ["0", "1001", "-3", "2.5", "nine", ""]) {
      expect(named({ BOOKING_MAX_HELD_SEATS: bad })).toEqual(["BOOKING_MAX_HELD_SEATS"])
    }
  })

  test("BOOKING_REDIS_PREFIX is booking unless set; a name no key separator or hash tag can break, or the error names it", () => {
    expect(valid({}).redisKeyPrefix).toBe("booking")
    expect(valid({ BOOKING_REDIS_PREFIX: "staging-2.booking_a" }).redisKeyPrefix).toBe("staging-2.booking_a")
    for (const bad of ["", "booking:x", "{booking}", "-booking", "a b", "x".repeat(65)]) {
      expect(named({ BOOKING_REDIS_PREFIX: bad })).toEqual(["BOOKING_REDIS_PREFIX"])
    }
  })

  test("the client's address: the connection's unless AUTH_CLIENT_IP_HEADER and AUTH_TRUSTED_PROXIES say which proxy to believe", () => {
    expect(valid({}).clientAddress).toEqual({ header: Option.none(), trustedProxies: [] })
    const config = valid({ AUTH_CLIENT_IP_HEADER: "X-Forwarded-For", AUTH_TRUSTED_PROXIES: "10.0.0.5, 10.0.0.6" })
    expect(config.clientAddress).toEqual({ header: Option.some("x-forwarded-for"), trustedProxies: ["10.0.0.5", "10.0.0.6"] })
    expect(named({ AUTH_TRUSTED_PROXIES: "gateway" })).toEqual(["AUTH_TRUSTED_PROXIES"])
    expect(named({ AUTH_CLIENT_IP_HEADER: "x forwarded" })).toEqual(["AUTH_CLIENT_IP_HEADER"])
  })
})
