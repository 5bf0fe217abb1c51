/**
 * Rotating the guest key (decision 17): a new BOOKING_GUEST_KEY signs from now on, the retired key
 * stays published through BOOKING_GUEST_PUBLISHED_KEYS, so tokens it signed keep working until they
 * expire; once it leaves the list they are refused. The JWKS never carries a private part.
 */
import { TokenVerifier } from "@flight/auth"
import { BookingId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Cause, ConfigProvider, Duration, Effect, Either, Exit, Option, Redacted } from "effect"
import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from "jose"
import { BookingConfig } from "../src/infrastructure/BookingConfig.ts"
import * as GuestTokens from "../src/infrastructure/GuestTokens.ts"

const issuer = "https://booking.example"
const audience = "flight-booking"
const booking = BookingId.make("01890a5d-ac96-774b-bcce-b302099a8057")

const privateKey = (kid: string) =>
  Effect.promise(async () => {
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true })
    return { ...(await exportJWK(pair.privateKey)), kid } as JWK
  })

const publicPart = ({ d: _, ...rest }: JWK): JWK => rest

const instance = (key: JWK, publishedKeys: ReadonlyArray<JWK> = []) =>
  GuestTokens.make({ issuer, audience, ttl: Duration.hours(2), key: Option.some(Redacted.make(key)), publishedKeys })

/** Whether a verifier over the instance's published JWKS accepts the token. */
const accepts = (tokens: Effect.Effect.Success<ReturnType<typeof instance>>, token: string) =>
  TokenVerifier.fromKeySet({ issuer, audience, tokens: "guests" }, GuestTokens.keySet(tokens)).verify(token).pipe(
    Effect.either,
    Effect.map(Either.isRight),
  )

describe("guest key rotation", () => {
  EffectTest.effect("tokens of the retired key stay valid while it is listed, new tokens carry the new kid, and retiring it for good refuses them", () =>
    Effect.gen(function* () {
      const old = yield* privateKey("guest-2026-11")
      const next = yield* privateKey("guest-2026-12")
      const before = yield* instance(old)
      const oldToken = yield* before.issue(booking)

      // Step one: the next key published by an instance still signing with the old one, so a token
      // another instance already signs with the next key is accepted here too.
      const publishing = yield* instance(old, [publicPart(next)])
      expect(yield* accepts(publishing, yield* (yield* instance(next)).issue(booking))).toBe(true)
      expect(decodeProtectedHeader(yield* publishing.issue(booking)).kid).toBe("guest-2026-11")

      const rotated = yield* instance(next, [publicPart(old)])
      const newToken = yield* rotated.issue(booking)
      expect(decodeProtectedHeader(newToken).kid).toBe("guest-2026-12")
      expect(rotated.jwks.keys.map((key) => key.kid)).toEqual(["guest-2026-12", "guest-2026-11"])
      expect(yield* accepts(rotated, oldToken)).toBe(true)
      expect(yield* accepts(rotated, newToken)).toBe(true)

      const retired = yield* instance(next)
      expect(yield* accepts(retired, oldToken)).toBe(false)
      expect(yield* accepts(retired, newToken)).toBe(true)
    }))

  EffectTest.effect("the JWKS publishes public parts only, even when a previous key was given with its private part", () =>
    Effect.gen(function* () {
      const old = yield* privateKey("guest-old")
      const tokens = yield* instance(yield* privateKey("guest-new"), [old])
      for (const key of tokens.jwks.keys) {
        expect(Object.keys(key).toSorted()).toEqual(["alg", "crv", "kid", "kty", "use", "x"])
      }
    }))

  EffectTest.effect("the published key is the signing key's own public part, whatever x the configured key carried", () =>
    Effect.gen(function* () {
      const key = yield* privateKey("guest-mismatched")
      const stranger = yield* privateKey("guest-stranger")
      const tokens = yield* instance({ ...key, x: stranger.x! })
      expect(tokens.jwks.keys.map((published) => published.x)).toEqual([key.x])
      expect(yield* accepts(tokens, yield* tokens.issue(booking))).toBe(true)
    }))

  EffectTest.effect("a key that is no Ed25519 private key stops the start with a message naming BOOKING_GUEST_KEY", () =>
    Effect.gen(function* () {
      const key = yield* privateKey("guest-broken")
      const exit = yield* Effect.exit(instance({ ...key, d: "not-a-key" }))
      expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "started").toContain("BOOKING_GUEST_KEY is not a usable Ed25519 private key")
    }))

  EffectTest.effect("a previous key listed under the current kid is not published twice", () =>
    Effect.gen(function* () {
      const key = yield* privateKey("guest-same")
      const tokens = yield* instance(key, [publicPart(key)])
      expect(tokens.jwks.keys.map((published) => published.kid)).toEqual(["guest-same"])
    }))
})

describe("bun services/booking/scripts/guest-key.ts", () => {
  EffectTest.effect("prints a BOOKING_GUEST_KEY the configuration accepts, and its public part for BOOKING_GUEST_PUBLISHED_KEYS", () =>
    Effect.gen(function* () {
      const output = yield* Effect.promise(async () => {
        const child = Bun.spawn([process.execPath, `${import.meta.dir}/../scripts/guest-key.ts`, "guest-2027-01"], { stdout: "pipe", stderr: "pipe" })
        const text = await new Response(child.stdout).text()
        expect(await child.exited).toBe(0)
        return text
      })
      const [keyLine, publicLine] = output.trim().split("\n")
      const key = keyLine!.match(/^BOOKING_GUEST_KEY='(.+)'$/)![1]!
      const publicKey = publicLine!.slice(publicLine!.indexOf("{"))
      const config = yield* Effect.withConfigProvider(
        BookingConfig,
        ConfigProvider.fromMap(new Map([["BOOKING_GUEST_KEY", key], ["BOOKING_GUEST_PUBLISHED_KEYS", `[${publicKey}]`]])),
      )
      expect(Option.map(config.guest.key, (jwk) => Redacted.value(jwk).kid)).toEqual(Option.some("guest-2027-01"))
      expect(config.guest.publishedKeys).toEqual([JSON.parse(publicKey)])
      expect(publicKey).not.toContain("\"d\"")
    }))
})
