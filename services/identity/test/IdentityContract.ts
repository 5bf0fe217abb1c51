/**
 * What the identity service does for its clients, whatever its store: accounts, sign-in, throttling,
 * seeded staff and tokens. Run on the in-memory store and on PostgreSQL.
 */
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect, Logger, Redacted } from "effect"
import { createLocalJWKSet, jwtVerify } from "jose"
import * as StaffSeeding from "../src/application/StaffSeeding.ts"
import { IdentityAuth } from "../src/infrastructure/BetterAuth.ts"
import * as Identity from "./support/Identity.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const problem = "application/problem+json"

/** The accounts stored under `email`, whatever its case. */
export const accountsWith = (email: string) =>
  Effect.flatMap(IdentityAuth, ({ auth }) =>
    Effect.promise(async () => {
      const context = await auth.$context
      const users = await context.adapter.findMany<{ email: string }>({ model: "user" })
      return users.filter((user) => user.email.toLowerCase() === email.toLowerCase()).length
    }))

const customer = (email = `c-${crypto.randomUUID().slice(0, 8)}@example.com`) => ({ name: "Ada Lovelace", email, password: "analytical-engine-1843" })

export const contract = (name: string, store: Identity.Store) =>
  describe(`the identity contract on ${name}`, () => {
    const test = (title: string, body: () => Effect.Effect<void, unknown, import("effect").Scope.Scope>) =>
      EffectTest.effect(title, body, { layer: quiet, timeout: 30_000 })

    test("a sign-up is a customer: 200 with its session token; roles and kind sent by the client are ignored", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const answer = yield* Identity.signUp(client, { ...customer(), roles: ["admin"], kind: "staff" })
        expect(answer.status).toBe(200)
        expect(answer.body.token).toBeString()
        expect(answer.body.user).toMatchObject({ name: "Ada Lovelace", roles: ["customer"], kind: "customer" })
        expect(answer.body.user.password).toBeUndefined()
      }))

    test("sign-in with the right password answers the session token; a wrong password and an unknown email the same 401", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        yield* Identity.signUp(client, account)
        const signedIn = yield* Identity.signIn(client, account.email.toUpperCase(), account.password)
        expect(signedIn.status).toBe(200)
        expect(signedIn.body.user.email).toBe(account.email)
        const wrong = yield* Identity.signIn(client, account.email, "not-the-password")
        const unknown = yield* Identity.signIn(client, "nobody@example.com", account.password)
        for (const answer of [wrong, unknown]) {
          expect(answer.status).toBe(401)
          expect(answer.headers.get("content-type")).toContain(problem)
          expect(answer.body).toMatchObject({ type: "invalid-email-or-password", title: "Unauthorized", status: 401 })
        }
        expect(unknown.body.detail).toBe(wrong.body.detail)
      }))

    test("an email taken in any case is a 409 problem, and the account stays one", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        expect((yield* Identity.signUp(client, account)).status).toBe(200)
        const again = yield* Identity.signUp(client, { ...account, email: account.email.toUpperCase(), password: "another-password-42" })
        expect(again.status).toBe(409)
        expect(again.headers.get("content-type")).toContain(problem)
        expect(again.body.type).toBe("user-already-exists")
        expect(yield* Effect.provide(accountsWith(account.email), client.runtime)).toBe(1)
        expect((yield* Identity.signIn(client, account.email, account.password)).status).toBe(200)
      }))

    test("the same email signed up five times at once: one account, every other answer a 4xx problem", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        const answers = yield* Effect.all(Array.from({ length: 5 }, () => Identity.signUp(client, account)), { concurrency: 5 })
        expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
        for (const answer of answers.filter((answer) => answer.status !== 200)) {
          expect(answer.status).toBeGreaterThanOrEqual(400)
          expect(answer.status).toBeLessThan(500)
          expect(answer.headers.get("content-type")).toContain(problem)
        }
        expect(yield* Effect.provide(accountsWith(account.email), client.runtime)).toBe(1)
      }))

    test("a short or common password is a 400 problem naming the field, and no account is made", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        for (const password of ["short-pw", "Password1234", "aaaaaaaaaaaaaaaa"]) {
          const account = { ...customer(), password }
          const answer = yield* Identity.signUp(client, account)
          expect(answer.status).toBe(400)
          expect(answer.headers.get("content-type")).toContain(problem)
          expect(answer.body.type).toBe("password-too-weak")
          expect(answer.body.errors[0].path).toBe("body.password")
          expect(yield* Effect.provide(accountsWith(account.email), client.runtime)).toBe(0)
        }
      }))

    test("after 5 attempts a client address is throttled: a 429 problem with Retry-After; another address is not", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        yield* Identity.signUp(client, account)
        const [attacker, other] = [Identity.freshIp(), Identity.freshIp()]
        for (let attempt = 1; attempt <= 5; attempt++) {
          expect((yield* Identity.signIn(client, account.email, `guess-number-${attempt}`, attacker)).status).toBe(401)
        }
        const throttled = yield* Identity.signIn(client, account.email, account.password, attacker)
        expect(throttled.status).toBe(429)
        expect(throttled.headers.get("content-type")).toContain(problem)
        expect(throttled.body).toMatchObject({ type: "too-many-requests", status: 429 })
        expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0)
        expect((yield* Identity.signIn(client, account.email, "guess-again-please", other)).status).toBe(401)
        expect((yield* Identity.signIn(client, account.email, account.password, other)).status).toBe(200)
      }))

    test("the address header a client sends is not believed: the connection's address is throttled", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const ip = Identity.freshIp()
        for (let attempt = 1; attempt <= 5; attempt++) {
          const spoofed = { "x-identity-client-ip": Identity.freshIp(), "x-forwarded-for": Identity.freshIp() }
          yield* client.send("POST", "/api/auth/sign-in/email", { body: { email: "x@example.com", password: "whatever-it-is" }, ip, headers: spoofed })
        }
        expect((yield* Identity.signIn(client, "x@example.com", "whatever-it-is", ip)).status).toBe(429)
      }))

    test("seeded staff sign in, and their tokens carry their roles; seeding again changes nothing", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        for (const [seed, roles] of [[Identity.staff[0]!, ["ops"]], [Identity.staff[1]!, ["ops", "admin"]]] as const) {
          const signedIn = yield* Identity.signIn(client, seed.email, seed.role === "ops" ? "ops-test-password" : "admin-test-password")
          expect(signedIn.status).toBe(200)
          expect(signedIn.body.user).toMatchObject({ roles, kind: "staff" })
          const token = yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${signedIn.body.token}` } })
          expect(Identity.claimsOf(token.body.token).payload).toMatchObject({ roles, kind: "staff", email: seed.email })
        }
        yield* Effect.provide(StaffSeeding.seed(Identity.staff), client.runtime)
        for (const seed of Identity.staff) expect(yield* Effect.provide(accountsWith(seed.email), client.runtime)).toBe(1)
      }))

    test("seeding an email a customer signed up with is refused naming SEED_OPS_EMAIL, and the account stays a customer", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        yield* Identity.signUp(client, account)
        const seed = { role: "ops", email: account.email, password: Redacted.make("the-configured-ops-password"), isDefault: false } as const
        const refused = yield* Effect.flip(Effect.provide(StaffSeeding.seed([seed]), client.runtime))
        expect(refused._tag).toBe("SeedEmailTaken")
        expect(refused.message).toContain("SEED_OPS_EMAIL")
        expect(refused.message).toContain("not made by seeding")
        const signedIn = yield* Identity.signIn(client, account.email, account.password)
        expect(signedIn.status).toBe(200)
        expect(signedIn.body.user).toMatchObject({ roles: ["customer"], kind: "customer" })
        expect((yield* Identity.signIn(client, account.email, "the-configured-ops-password")).status).toBe(401)
      }))

    test("an account made moments ago with the seed's password and no roles yet (another instance's seed under way) is that seed: staff, one account", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        // What another instance's seeding has done when this one looks: the sign-up, not yet the roles.
        const account = { ...customer(), password: "the-configured-ops-password" }
        yield* Identity.signUp(client, account)
        const seed = { role: "ops", email: account.email, password: Redacted.make(account.password), isDefault: false } as const
        yield* Effect.provide(StaffSeeding.seed([seed]), client.runtime)
        const signedIn = yield* Identity.signIn(client, account.email, account.password)
        expect(signedIn.status).toBe(200)
        expect(signedIn.body.user).toMatchObject({ roles: ["ops"], kind: "staff" })
        expect(yield* Effect.provide(accountsWith(account.email), client.runtime)).toBe(1)
      }))

    test("seeding again with another password: the new one signs in, the old one is refused, and the old sessions are gone", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const ops = Identity.staff[0]!
        const before = yield* Identity.signIn(client, ops.email, "ops-test-password")
        expect(before.status).toBe(200)
        yield* Effect.provide(StaffSeeding.seed([{ ...ops, password: Redacted.make("a-new-ops-password-42") }]), client.runtime)
        expect((yield* Identity.signIn(client, ops.email, "ops-test-password")).status).toBe(401)
        const after = yield* Identity.signIn(client, ops.email, "a-new-ops-password-42")
        expect(after.status).toBe(200)
        expect(after.body.user).toMatchObject({ roles: ["ops"], kind: "staff" })
        const old = yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${before.body.token}` } })
        expect(old.status).toBe(401)
        const current = yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${after.body.token}` } })
        expect(current.status).toBe(200)
      }))

    test("GET /api/auth/token answers a JWT for the session of the cookie or of the bearer token; 401 without one", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        const signedIn = yield* Identity.signUp(client, account)
        const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!
        const byCookie = yield* client.send("GET", "/api/auth/token", { headers: { cookie } })
        const byBearer = yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${signedIn.body.token}` } })
        for (const answer of [byCookie, byBearer]) {
          expect(answer.status).toBe(200)
          expect(Identity.claimsOf(answer.body.token).payload.sub).toBe(signedIn.body.user.id)
        }
        const anonymous = yield* client.send("GET", "/api/auth/token")
        expect(anonymous.status).toBe(401)
        expect(anonymous.headers.get("content-type")).toContain(problem)
        const forged = yield* client.send("GET", "/api/auth/token", { headers: { authorization: "Bearer forged.token" } })
        expect(forged.status).toBe(401)
      }))

    test("the token: EdDSA with a kid, 10 minutes at most, issuer and audience as configured, verified by the JWKS", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const signedIn = yield* Identity.signUp(client, customer())
        const { token } = (yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${signedIn.body.token}` } })).body
        const { header, payload } = Identity.claimsOf(token)
        expect(header.alg).toBe("EdDSA")
        expect(header.kid).toBeString()
        expect(payload.exp - payload.iat).toBeLessThanOrEqual(600)
        const discovery = (yield* client.send("GET", "/.well-known/openid-configuration")).body
        expect(discovery.issuer).toBe("http://identity.test")
        const jwks = yield* client.send("GET", new URL(discovery.jwks_uri).pathname)
        expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toContain(header.kid)
        const verified = yield* Effect.promise(() =>
          jwtVerify(token, createLocalJWKSet(jwks.body), { issuer: "http://identity.test", audience: Identity.audience, algorithms: ["EdDSA"] })
        )
        expect(verified.payload).toMatchObject({ sub: signedIn.body.user.id, roles: ["customer"], kind: "customer" })
      }))

    test("keys rotate: after the rotation interval a new key signs, and the retired one stays in the JWKS, so both tokens verify", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store, { settings: Identity.settings({ keyRotation: Duration.seconds(1) }) })
        const signedIn = yield* Identity.signUp(client, customer())
        const tokenNow = Effect.map(
          client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${signedIn.body.token}` } }),
          (answer) => answer.body.token as string,
        )
        const before = yield* tokenNow
        yield* Effect.sleep("1100 millis")
        const after = yield* tokenNow
        expect(Identity.claimsOf(after).header.kid).not.toBe(Identity.claimsOf(before).header.kid)
        const jwks = createLocalJWKSet((yield* client.send("GET", "/api/auth/jwks")).body)
        for (const token of [before, after]) {
          yield* Effect.promise(() => jwtVerify(token, jwks, { issuer: "http://identity.test", audience: Identity.audience, algorithms: ["EdDSA"] }))
        }
      }))

    test("a POST from an untrusted browser origin is a 403 problem; a trusted one is served", () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(store)
        const account = customer()
        yield* Identity.signUp(client, account)
        const body = { email: account.email, password: account.password }
        const evil = yield* client.send("POST", "/api/auth/sign-in/email", { body, headers: { origin: "https://evil.example" } })
        expect(evil.status).toBe(403)
        expect(evil.headers.get("content-type")).toContain(problem)
        expect(evil.body.type).toBe("invalid-origin")
        expect((yield* client.send("POST", "/api/auth/sign-in/email", { body, headers: { origin: "http://app.test" } })).status).toBe(200)
      }))
  })
