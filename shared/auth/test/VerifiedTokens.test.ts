/**
 * A token verified before is answered again without checking its signature, but only while it is in
 * time and its issuer's keys still hold the key that verified it; anything else is verified afresh.
 */
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Effect, TestClock, TestContext } from "effect"
import { createLocalJWKSet } from "jose"
import { TokenVerifier } from "../src/index.ts"
import { Customer } from "../src/Principal.ts"
import { TestIssuer } from "../src/testing/index.ts"
import * as VerifiedTokens from "../src/VerifiedTokens.ts"
import { refusal } from "./support.ts"

/** Counts the signatures checked while `effect` runs (jose checks them with Web Crypto). */
const countingSignatures = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const original = crypto.subtle.verify
      const counter = { checked: 0 }
      crypto.subtle.verify = ((...args: Parameters<typeof original>) => {
        counter.checked++
        return original.apply(crypto.subtle, args)
      }) as typeof original
      return { original, counter }
    }),
    ({ counter }) => Effect.map(effect, (value) => ({ value, checked: counter.checked })),
    ({ original }) => Effect.sync(() => void (crypto.subtle.verify = original)),
  )

describe("a token presented again", () => {
  EffectTest.effect("is answered without checking its signature again, while its issuer's keys are the same", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const token = yield* issuer.customer("alice")
      const { checked, value } = yield* countingSignatures(Effect.gen(function*() {
        const first = yield* verifier.verify(token)
        const again = yield* verifier.verify(token)
        const third = yield* verifier.verify(token)
        return [first, again, third]
      }))
      expect(value.map((principal) => principal.sub)).toEqual(["alice", "alice", "alice"])
      expect(value[2]).toBeInstanceOf(Customer)
      expect(checked).toBe(1)
      // Another token is its own: verified once too.
      const other = yield* issuer.customer("bob")
      expect((yield* countingSignatures(verifier.verify(other))).checked).toBe(1)
    }))

  EffectTest.effect("is refused once it expires, like any token", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const token = yield* issuer.customer("alice", { expiresIn: 120 })
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      // Within the 30 s of clock tolerance after exp it is still accepted, from memory.
      yield* TestClock.adjust("140 seconds")
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      yield* TestClock.adjust("20 seconds")
      expect(yield* refusal(verifier, token)).toBe("expired")
    }).pipe(Effect.provide(TestContext.TestContext)))

  EffectTest.effect("is verified afresh, and refused, when its key set answers another key for its kid", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const impostor = yield* TestIssuer.make()
      const impostorKid = yield* impostor.currentKid
      const own = createLocalJWKSet(yield* issuer.jwks)
      const other = createLocalJWKSet(yield* impostor.jwks)
      let current: TokenVerifier.KeySet = own
      const verifier = TokenVerifier.fromKeySet(
        { issuer: issuer.issuer, audience: issuer.audience },
        (header, token) => current(header, token),
      )
      const token = yield* issuer.customer("alice")
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      // The kid now names a key of other material: the remembered verification no longer stands.
      current = (header, input) => other({ ...header, kid: impostorKid }, input)
      expect(yield* refusal(verifier, token)).toBe("bad-signature")
      current = own
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
    }))

  EffectTest.effect("is told KeysUnavailable after one fetch when its issuer's keys are due a fetch and out of reach, as any token", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ jwksUrl: issuer.jwksUrl, cacheMaxAge: "300 millis" })
      const token = yield* issuer.customer("alice")
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
      yield* Effect.sleep("400 millis")
      yield* issuer.setOutage(true)
      const before = yield* issuer.jwksRequests
      expect((yield* Effect.flip(verifier.verify(token)))._tag).toBe("KeysUnavailable")
      expect((yield* issuer.jwksRequests) - before).toBe(1)
      // Back: the same token verifies again.
      yield* issuer.setOutage(false)
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
    }), { timeout: 20_000 })

  EffectTest.effect("is refused again when it was refused: a refusal is not remembered as anything", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const token = yield* issuer.customer("alice")
      const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(86)}`
      const { checked } = yield* countingSignatures(Effect.gen(function*() {
        expect(yield* refusal(verifier, forged)).toBe("bad-signature")
        expect(yield* refusal(verifier, forged)).toBe("bad-signature")
      }))
      expect(checked).toBe(2)
    }))
})

describe("the verified tokens kept", () => {
  const verified = (exp: number, nbf?: number): VerifiedTokens.Verified => ({
    principal: new Customer({ sub: "alice", roles: ["customer"] }),
    header: { alg: "EdDSA", kid: "k" },
    key: {},
    exp,
    nbf,
  })

  test("are in time as jose judges exp and nbf, with the same tolerance", () => {
    const at = (seconds: number) => seconds * 1000
    expect(VerifiedTokens.inTime(verified(1_000), at(1_029), 30)).toBe(true)
    expect(VerifiedTokens.inTime(verified(1_000), at(1_030), 30)).toBe(false)
    expect(VerifiedTokens.inTime(verified(5_000, 1_030), at(1_000), 30)).toBe(true)
    expect(VerifiedTokens.inTime(verified(5_000, 1_031), at(1_000), 30)).toBe(false)
  })

  test("are at most as many as the capacity, the least recently presented going first", () => {
    const kept = VerifiedTokens.make(2)
    kept.remember("a", verified(1))
    kept.remember("b", verified(2))
    kept.remember("a", verified(3))
    kept.remember("c", verified(4))
    expect(kept.size()).toBe(2)
    expect(kept.get("b")).toBeUndefined()
    expect(kept.get("a")?.exp).toBe(3)
    // "a" was presented after "c": "c" goes first.
    kept.remember("d", verified(5))
    expect(kept.get("c")).toBeUndefined()
    expect(kept.get("a")?.exp).toBe(3)
    expect(kept.get("d")?.exp).toBe(5)
  })
})
