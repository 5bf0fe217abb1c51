import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, TestClock, TestContext } from "effect"
import { decodeProtectedHeader } from "jose"
import { TokenVerifier } from "../src/index.ts"
import { TestIssuer } from "../src/testing/index.ts"
import { refusal } from "./support.ts"

describe("a key rotation", () => {
  EffectTest.effect("a key added mid-test: its tokens verify after one fetch of the JWKS, the old key's still do", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ jwksUrl: issuer.jwksUrl, cooldown: 0 })
      const old = yield* issuer.customer("alice")
      expect(yield* verifier.verify(old)).toMatchObject({ sub: "alice" })
      expect(yield* issuer.jwksRequests).toBe(1)

      const kid = yield* issuer.rotate()
      const fresh = yield* issuer.customer("bob")
      expect(decodeProtectedHeader(fresh).kid).toBe(kid)
      expect(yield* verifier.verify(fresh)).toMatchObject({ sub: "bob" })
      expect(yield* issuer.jwksRequests).toBe(2)

      expect(yield* verifier.verify(old)).toMatchObject({ sub: "alice" })
      expect(yield* verifier.verify(fresh)).toMatchObject({ sub: "bob" })
      expect(yield* issuer.jwksRequests).toBe(2)
    }))

  EffectTest.effect("the old key's tokens stay valid until they expire, the new key's go on", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ cooldown: 0 })
      const old = yield* issuer.customer("alice", { expiresIn: 600 })
      yield* issuer.rotate()
      yield* TestClock.adjust("9 minutes")
      expect(yield* verifier.verify(old)).toMatchObject({ sub: "alice" })
      const fresh = yield* issuer.customer("bob", { expiresIn: 600 })
      yield* TestClock.adjust("2 minutes")
      expect(yield* refusal(verifier, old)).toBe("expired")
      expect(yield* verifier.verify(fresh)).toMatchObject({ sub: "bob" })
    }).pipe(Effect.provide(TestContext.TestContext)))

  EffectTest.effect("a withdrawn key's tokens are refused once the JWKS is fetched again (its cache age passed)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ cacheMaxAge: "500 millis" })
      const retired = yield* issuer.currentKid
      const old = yield* issuer.customer("alice")
      expect(yield* verifier.verify(old)).toMatchObject({ sub: "alice" })
      yield* issuer.rotate()
      yield* issuer.withdraw(retired)
      // Until the cache is too old, the key set fetched before the withdrawal is used.
      expect(yield* verifier.verify(old)).toMatchObject({ sub: "alice" })
      yield* Effect.sleep("600 millis")
      expect(yield* refusal(verifier, old)).toBe("unknown-key")
      expect(yield* verifier.verify(yield* issuer.customer("bob"))).toMatchObject({ sub: "bob" })
    }))

  EffectTest.effect("a withdrawn key's tokens are refused once a new kid has made the verifier fetch the JWKS", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ cooldown: 0 })
      const retired = yield* issuer.currentKid
      const old = yield* issuer.customer("alice")
      expect(yield* verifier.verify(old)).toMatchObject({ sub: "alice" })
      yield* issuer.rotate()
      yield* issuer.withdraw(retired)
      expect(yield* verifier.verify(yield* issuer.customer("bob"))).toMatchObject({ sub: "bob" })
      expect(yield* refusal(verifier, old)).toBe("unknown-key")
    }))

  EffectTest.effect("tokens of unknown kids make at most one fetch of the JWKS per cooldown", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ cooldown: "30 seconds" })
      expect(yield* verifier.verify(yield* issuer.customer("alice"))).toMatchObject({ sub: "alice" })
      const strangers = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => `stranger-${i}`),
        (kid) => Effect.flatMap(issuer.addKey({ kid, publish: false }), (kid) => issuer.customer("mallory", { kid })),
      )
      const reasons = yield* Effect.forEach(strangers, (token) => refusal(verifier, token), { concurrency: "unbounded" })
      expect(new Set(reasons)).toEqual(new Set(["unknown-key"]))
      expect(yield* issuer.jwksRequests).toBe(1)
      // Within the cooldown even a kid just published is not fetched for: rotations publish keys ahead.
      const early = yield* issuer.rotate()
      expect(yield* refusal(verifier, yield* issuer.customer("bob", { kid: early }))).toBe("unknown-key")
      expect(yield* issuer.jwksRequests).toBe(1)
    }))
})

describe("keys out of reach", () => {
  EffectTest.effect("fail verification with KeysUnavailable (a 503, not a 401) and recover when the JWKS answers", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ jwksUrl: issuer.jwksUrl })
      const token = yield* issuer.customer("alice")
      yield* issuer.setOutage(true)
      const error = yield* Effect.flip(verifier.verify(token))
      expect(error._tag).toBe("KeysUnavailable")
      expect(error.message).toContain("cannot be read")
      yield* issuer.setOutage(false)
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
    }))

  EffectTest.effect("an issuer nobody answers for is KeysUnavailable", () =>
    Effect.gen(function*() {
      const verifier = yield* TokenVerifier.remote({ issuer: "http://127.0.0.1:1", audience: "api", timeout: "1 second" })
      const issuer = yield* TestIssuer.make()
      const error = yield* Effect.flip(verifier.verify(yield* issuer.customer("alice")))
      expect(error._tag).toBe("KeysUnavailable")
    }))

  EffectTest.effect("discovery is not asked again within 5 seconds of a failure, and is once they pass", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const token = yield* issuer.customer("alice")
      yield* issuer.setOutage(true)
      expect((yield* Effect.flip(verifier.verify(token)))._tag).toBe("KeysUnavailable")
      yield* issuer.setOutage(false)
      expect((yield* Effect.flip(verifier.verify(token)))._tag).toBe("KeysUnavailable")
      expect(yield* issuer.discoveryRequests).toBe(1)
      yield* TestClock.adjust("5 seconds")
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      expect(yield* issuer.discoveryRequests).toBe(2)
    }).pipe(Effect.provide(TestContext.TestContext)))

  EffectTest.effect("a discovery document naming another issuer is refused", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* TokenVerifier.remote({ issuer: `${issuer.issuer}/`, audience: issuer.audience })
      const error = yield* Effect.flip(verifier.verify(yield* issuer.customer("alice", { claims: { iss: `${issuer.issuer}/` } })))
      expect(error._tag).toBe("KeysUnavailable")
      expect(error.message).toContain(`the document is for issuer ${issuer.issuer}`)
    }))
})
