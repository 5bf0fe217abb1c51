import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Either, FastCheck as fc, TestClock, TestContext } from "effect"
import { base64url, CompactSign, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose"
import { TokenVerifier } from "../src/index.ts"
import { TestIssuer } from "../src/testing/index.ts"
import { bookingId, refusal } from "./support.ts"

const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
const decode = (part: string) => JSON.parse(new TextDecoder().decode(base64url.decode(part)))

/** An issuer and its verifier, on a test clock set to now, so that times are exact to the second. */
const setUp = Effect.gen(function*() {
  yield* TestClock.setTime(Date.now())
  const issuer = yield* TestIssuer.make()
  const verifier = yield* issuer.verifier()
  return { issuer, verifier }
})

const onTestClock = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, TestContext.TestContext)

describe("a token is refused when it", () => {
  EffectTest.effect("expired more than 30 seconds ago, and accepted within those 30 seconds of skew", () =>
    onTestClock(Effect.gen(function*() {
      const { issuer, verifier } = yield* setUp
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { expiresIn: -30 }))).toBe("expired")
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { expiresIn: -3600 }))).toBe("expired")
      expect(yield* verifier.verify(yield* issuer.customer("alice", { expiresIn: -29 }))).toMatchObject({ sub: "alice" })
    })))

  EffectTest.effect("becomes valid more than 30 seconds from now, and accepted within the skew", () =>
    onTestClock(Effect.gen(function*() {
      const { issuer, verifier } = yield* setUp
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { notBefore: 31 }))).toBe("not-yet-valid")
      expect(yield* verifier.verify(yield* issuer.customer("alice", { notBefore: 30 }))).toMatchObject({ sub: "alice" })
    })))

  EffectTest.effect("stops being valid as the clock passes its expiry and the skew", () =>
    onTestClock(Effect.gen(function*() {
      const { issuer, verifier } = yield* setUp
      const token = yield* issuer.customer("alice", { expiresIn: 600 })
      yield* TestClock.adjust("629 seconds")
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      yield* TestClock.adjust("1 second")
      expect(yield* refusal(verifier, token)).toBe("expired")
    })))

  EffectTest.effect("has no expiry", () =>
    Effect.gen(function*() {
      const { issuer, verifier } = yield* setUp
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { expiresIn: null }))).toBe("invalid-claims")
    }).pipe(onTestClock))

  EffectTest.effect("was issued by another issuer, even one differing by a trailing slash", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const evil = yield* issuer.customer("alice", { claims: { iss: "https://issuer.evil.example" } })
      expect(yield* refusal(verifier, evil)).toBe("wrong-issuer")
      const slash = yield* issuer.customer("alice", { claims: { iss: `${issuer.issuer}/` } })
      expect(yield* refusal(verifier, slash)).toBe("wrong-issuer")
      const none = yield* issuer.customer("alice", { claims: { iss: undefined } })
      expect(yield* refusal(verifier, none)).toBe("wrong-issuer")
    }))

  EffectTest.effect("is meant for another audience, or for none", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { claims: { aud: "another-api" } }))).toBe("wrong-audience")
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { claims: { aud: ["a", "b"] } }))).toBe("wrong-audience")
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { claims: { aud: undefined } }))).toBe("wrong-audience")
    }))

  EffectTest.effect("says alg none and carries no signature (built by hand)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const valid = yield* issuer.staff("mallory", ["admin"])
      const [, payload] = valid.split(".")
      const kid = yield* issuer.currentKid
      for (const alg of ["none", "None", "NONE"]) {
        const unsigned = `${encode({ alg, typ: "JWT", kid })}.${payload}.`
        expect(yield* refusal(verifier, unsigned)).toBe("algorithm-not-allowed")
      }
    }))

  EffectTest.effect("is HS256 signed with the issuer's public key as the HMAC secret", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const kid = yield* issuer.currentKid
      const jwk = yield* issuer.publicJwk(kid)
      const claims = { iss: issuer.issuer, aud: issuer.audience, sub: "mallory", roles: ["admin"], exp: Math.floor(Date.now() / 1000) + 300 }
      const secrets = [base64url.decode(jwk.x!), new TextEncoder().encode(JSON.stringify(jwk))]
      for (const secret of secrets) {
        const token = yield* Effect.promise(() => new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid }).sign(secret))
        expect(yield* refusal(verifier, token)).toBe("algorithm-not-allowed")
      }
    }))

  EffectTest.effect("is signed with an algorithm outside the allow-list (RS256)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const { privateKey } = yield* Effect.promise(() => generateKeyPair("RS256"))
      const claims = { iss: issuer.issuer, aud: issuer.audience, sub: "mallory", exp: Math.floor(Date.now() / 1000) + 300 }
      const token = yield* Effect.promise(() => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "rsa" }).sign(privateKey))
      expect(yield* refusal(verifier, token)).toBe("algorithm-not-allowed")
    }))

  EffectTest.effect("has its payload changed after signing (a role added, the subject swapped)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const [header, payload, signature] = (yield* issuer.customer("alice")).split(".") as [string, string, string]
      const escalated = `${header}.${encode({ ...decode(payload), roles: ["customer", "admin"] })}.${signature}`
      const impostor = `${header}.${encode({ ...decode(payload), sub: "bob" })}.${signature}`
      expect(yield* refusal(verifier, escalated)).toBe("bad-signature")
      expect(yield* refusal(verifier, impostor)).toBe("bad-signature")
    }))

  EffectTest.effect("names a published kid but is signed by another key", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const forger = yield* issuer.addKey({ publish: false })
      const [, payload, signature] = (yield* issuer.staff("mallory", ["admin"], { kid: forger })).split(".")
      const header = encode({ alg: "EdDSA", typ: "JWT", kid: yield* issuer.currentKid })
      expect(yield* refusal(verifier, `${header}.${payload}.${signature}`)).toBe("bad-signature")
    }))

  EffectTest.effect("names a kid that is not in the JWKS, or no kid at all", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ cooldown: 0 })
      const stranger = yield* issuer.addKey({ kid: "not-published", publish: false })
      expect(yield* refusal(verifier, yield* issuer.customer("alice", { kid: stranger }))).toBe("unknown-key")
      const [, payload, signature] = (yield* issuer.customer("alice")).split(".")
      expect(yield* refusal(verifier, `${encode({ alg: "EdDSA", typ: "JWT" })}.${payload}.${signature}`)).toBe("unknown-key")
    }))

  EffectTest.effect("names the kid of a key of another type than its algorithm (an ES256 key for EdDSA)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const p256 = yield* issuer.addKey({ alg: "ES256" })
      const [, payload, signature] = (yield* issuer.customer("alice")).split(".")
      expect(yield* refusal(verifier, `${encode({ alg: "EdDSA", kid: p256 })}.${payload}.${signature}`)).toBe("unknown-key")
    }))

  EffectTest.effect("has no usable subject, or a booking_id that is not a booking id", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      expect(yield* refusal(verifier, yield* issuer.sign({ claims: { sub: undefined } }))).toBe("invalid-claims")
      expect(yield* refusal(verifier, yield* issuer.sign({ sub: "" }))).toBe("invalid-claims")
      expect(yield* refusal(verifier, yield* issuer.sign({ claims: { sub: 42 } }))).toBe("invalid-claims")
      expect(yield* refusal(verifier, yield* issuer.guest("../../admin"))).toBe("invalid-claims")
      expect(yield* refusal(verifier, yield* issuer.guest(bookingId.toUpperCase()))).toBe("invalid-claims")
    }))

  EffectTest.effect("is not a JWS in compact form", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const [header, payload, signature] = (yield* issuer.customer("alice")).split(".") as [string, string, string]
      const malformed = [
        "",
        "not-a-token",
        `${header}.${payload}`,
        `${header}.${payload}.${signature}.extra`,
        `${encode(["EdDSA"])}.${payload}.${signature}`,
        `${header}.${payload}.${signature}!`,
      ]
      for (const token of malformed) {
        expect({ token, reason: yield* refusal(verifier, token) }).toEqual({ token, reason: "malformed" })
      }
    }))

  EffectTest.effect("is signed correctly over a payload that is not a JSON object", () =>
    Effect.gen(function*() {
      const { privateKey, publicKey } = yield* Effect.promise(() => generateKeyPair("EdDSA", { extractable: true }))
      const jwk = { ...(yield* Effect.promise(() => exportJWK(publicKey))), kid: "k" }
      const verifier = TokenVerifier.fromKeySet({ issuer: "https://issuer.example", audience: "api" }, createLocalJWKSet({ keys: [jwk] }))
      for (const payload of ["not json", "[1,2]", "\"text\"", "null"]) {
        const token = yield* Effect.promise(() =>
          new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: "EdDSA", kid: "k" }).sign(privateKey)
        )
        expect({ payload, reason: yield* refusal(verifier, token) }).toEqual({ payload, reason: "malformed" })
      }
    }))
})

describe("a refusal", () => {
  EffectTest.effect("says why in a fixed sentence that never quotes the token", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const token = yield* issuer.customer("alice-with-a-distinctive-name", { expiresIn: -3600 })
      const error = yield* Effect.flip(verifier.verify(token))
      expect(error.message).toBe("The token has expired")
      for (const part of token.split(".")) expect(JSON.stringify(error)).not.toContain(part)
      expect(JSON.stringify(error)).not.toContain("alice-with-a-distinctive-name")
    }))

  EffectTest.effect("is all any string gets that is not a valid token: never a defect", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = TokenVerifier.fromKeySet({ issuer: issuer.issuer, audience: issuer.audience }, issuer.keySet)
      const [header, payload, signature] = (yield* issuer.customer("alice")).split(".") as [string, string, string]
      const part = fc.oneof(
        fc.string(),
        fc.constantFrom(header, payload, signature),
        fc.json().map((json) => base64url.encode(json)),
        fc.dictionary(fc.constantFrom("alg", "kid", "typ", "crit", "b64", "jwk"), fc.jsonValue()).map(encode),
      )
      const token = fc.oneof(fc.string(), fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(".")))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(token, async (candidate) => {
            const result = await Effect.runPromise(Effect.either(verifier.verify(candidate)))
            const valid = candidate === `${header}.${payload}.${signature}`
            return valid ? Either.isRight(result) : Either.isLeft(result) && result.left._tag === "InvalidToken"
          }),
          { numRuns: 500 },
        )
      )
    }))
})
