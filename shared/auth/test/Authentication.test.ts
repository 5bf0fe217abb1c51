import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Exit, Option } from "effect"
import { Authentication, AuthProblem, CurrentPrincipal } from "../src/index.ts"
import { TestIssuer } from "../src/testing/index.ts"

describe("authenticate", () => {
  EffectTest.effect("no Authorization header is an anonymous caller: None in the context", () =>
    Effect.gen(function*() {
      expect(yield* Authentication.authenticate(null)).toEqual(Option.none())
      expect(yield* Authentication.authenticate(undefined)).toEqual(Option.none())
      const anonymous = yield* Effect.exit(Authentication.required.pipe(Authentication.withPrincipal(undefined)))
      expect(anonymous).toEqual(Exit.fail(AuthProblem.noToken("missing")))
    }), { layer: TestIssuer.layer() })

  EffectTest.effect("a valid bearer token puts its principal in the context", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.Issuer
      const token = yield* issuer.customer("alice")
      const principal = yield* Authentication.required.pipe(Authentication.withPrincipal(`Bearer ${token}`))
      expect(principal).toMatchObject({ kind: "customer", sub: "alice" })
      const current = yield* CurrentPrincipal.pipe(Authentication.withPrincipal(`bearer  ${token}`))
      expect(Option.map(current, (p) => p.sub)).toEqual(Option.some("alice"))
    }), { layer: TestIssuer.layer() })

  EffectTest.effect("Basic credentials, a malformed header or a refused token is a 401, never anonymous", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.Issuer
      const expired = yield* issuer.customer("alice", { expiresIn: -3600 })
      const problemOf = (header: string) =>
        Effect.flip(Authentication.authenticate(header)).pipe(Effect.map((problem) => ({
          status: problem.status,
          challenge: problem.headers?.["www-authenticate"],
        })))
      expect(yield* problemOf("Basic YWxhZGRpbjpvcGVuc2VzYW1l")).toEqual({ status: 401, challenge: "Bearer" })
      expect(yield* problemOf("Bearer")).toMatchObject({ status: 401, challenge: expect.stringContaining("invalid_request") })
      expect(yield* problemOf(`Bearer ${expired}`)).toEqual({
        status: 401,
        challenge: "Bearer error=\"invalid_token\", error_description=\"The token has expired\"",
      })
    }), { layer: TestIssuer.layer() })

  EffectTest.effect("keys out of reach are a 503", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.Issuer
      const token = yield* issuer.customer("alice")
      yield* issuer.setOutage(true)
      const problem = yield* Effect.flip(Authentication.authenticate(`Bearer ${token}`))
      expect(problem).toMatchObject({ status: 503, type: "service-unavailable" })
    }), { layer: TestIssuer.layer() })
})
