/**
 * The identity service's tokens as the other services will check them: `@flight/auth`'s verifier,
 * configured only with the issuer and the audience, finds the keys through the discovery document
 * and reads the principal (staff with their roles, a customer), over real HTTP.
 */
import { TokenVerifier } from "@flight/auth"
import { ChildProcess, EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { ConfigProvider, Effect, Either, Logger } from "effect"
import { IdentityConfig, make } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/** The service in this process on a free port, configured as from the environment. */
const running = Effect.gen(function* () {
  const port = ChildProcess.freePort()
  const issuer = `http://127.0.0.1:${port}`
  const config = yield* Effect.withConfigProvider(
    IdentityConfig,
    ConfigProvider.fromMap(new Map([["PORT", String(port)], ["AUTH_ISSUER", issuer], ["AUTH_AUDIENCE", "flight-booking"]])),
  )
  yield* make(config)
  return issuer
})

const post = (url: string, body: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    return await response.json() as { token: string }
  })

const accessToken = (issuer: string, session: string) =>
  Effect.promise(async () =>
    (await (await fetch(`${issuer}/api/auth/token`, { headers: { authorization: `Bearer ${session}` } })).json() as { token: string }).token
  )

describe("identity tokens checked by @flight/auth", () => {
  EffectTest.effect("staff and customers come out as the principals the policies expect", () =>
    Effect.gen(function* () {
      const issuer = yield* running
      const verifier = yield* TokenVerifier.remote({ issuer, audience: "flight-booking" })
      const signIn = (email: string, password: string) => post(`${issuer}/api/auth/sign-in/email`, { email, password })

      const ops = yield* verifier.verify(yield* accessToken(issuer, (yield* signIn("ops@flight.local", "flight-ops-dev-only")).token))
      expect([ops.kind, [...ops.roles]]).toEqual(["staff", ["ops"]])
      const admin = yield* verifier.verify(yield* accessToken(issuer, (yield* signIn("admin@flight.local", "flight-admin-dev-only")).token))
      expect([admin.kind, [...admin.roles].sort()]).toEqual(["staff", ["admin", "ops"]])

      const signedUp = yield* post(`${issuer}/api/auth/sign-up/email`, { name: "Ada", email: "ada@example.com", password: "analytical-engine-1843" })
      const customer = yield* verifier.verify(yield* accessToken(issuer, signedUp.token))
      expect([customer.kind, [...customer.roles]]).toEqual(["customer", ["customer"]])

      const elsewhere = yield* TokenVerifier.remote({ issuer, audience: "another-system" })
      expect(Either.isLeft(yield* Effect.either(elsewhere.verify(yield* accessToken(issuer, signedUp.token))))).toBe(true)
    }), { layer: quiet, timeout: 30_000 })
})
