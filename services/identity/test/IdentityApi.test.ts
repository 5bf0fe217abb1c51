/**
 * What the identity service answers like every service (health, readiness on its store, metrics,
 * OpenAPI), and its OpenID discovery document.
 */
import { StoreHealth, StoreUnavailable } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Layer, Logger } from "effect"
import { base64url, generateKeyPair, SignJWT } from "jose"
import * as Identity from "./support/Identity.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const down: Identity.Store = (settings) =>
  Effect.map(Identity.inMemory(settings), (layer) =>
    Layer.merge(layer, Layer.succeed(StoreHealth, {
      name: "postgresql",
      check: Effect.fail(new StoreUnavailable({ store: "postgresql", reason: "connection refused" })),
    })))

describe("identity HTTP API", () => {
  EffectTest.effect("health: live 200, ready 200 on a store that answers, 503 naming it when it does not", () =>
    Effect.gen(function* () {
      const up = yield* Identity.started(Identity.inMemory)
      expect((yield* up.send("GET", "/health/live")).status).toBe(200)
      expect((yield* up.send("GET", "/health/ready")).status).toBe(200)
      const ready = yield* (yield* Identity.started(down)).send("GET", "/health/ready")
      expect(ready.status).toBe(503)
      expect(ready.headers.get("content-type")).toContain("application/problem+json")
      expect(ready.body.errors).toEqual([{ path: "postgresql", message: "unavailable" }])
    }), { layer: quiet })

  EffectTest.effect("the discovery document names the issuer and its JWKS", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const answer = yield* client.send("GET", "/.well-known/openid-configuration")
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({
        issuer: "http://identity.test",
        jwks_uri: "http://identity.test/api/auth/jwks",
        id_token_signing_alg_values_supported: ["EdDSA"],
      })
    }), { layer: quiet })

  EffectTest.effect("/openapi.json documents better-auth's routes beside the others, with their bodies and problems", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const document = (yield* client.send("GET", "/openapi.json")).body
      expect(document.info.title).toBe("identity service")
      expect(Object.keys(document.paths).sort()).toEqual([
        "/.well-known/openid-configuration",
        "/api/auth/get-session",
        "/api/auth/jwks",
        "/api/auth/sign-in/email",
        "/api/auth/sign-out",
        "/api/auth/sign-up/email",
        "/api/auth/token",
        "/health/live",
        "/health/ready",
        "/metrics",
      ])
      const signUp = document.paths["/api/auth/sign-up/email"].post
      expect(Object.keys(signUp.responses)).toEqual(expect.arrayContaining(["200", "400", "409", "429"]))
      expect(JSON.stringify(signUp.requestBody)).toContain("password")
    }), { layer: quiet })

  EffectTest.effect("/openapi.json documents on each of better-auth's routes the 503 it answers while its store is out of reach", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const document = (yield* client.send("GET", "/openapi.json")).body
      const auth = Object.entries(document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)
        .filter(([path]) => path.startsWith("/api/auth/"))
        .flatMap(([path, operations]) => Object.entries(operations).map(([method, operation]) => [`${method} ${path}`, "503" in operation.responses]))
      expect(auth).toHaveLength(6)
      expect(auth.filter(([, documented]) => !documented)).toEqual([])
    }), { layer: quiet })

  EffectTest.effect("/metrics counts better-auth's routes by route and status, for an admin of its own tokens only", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      yield* Identity.signIn(client, "nobody@example.com", "not-the-password")
      const tokenOf = (email: string, password: string) =>
        Effect.gen(function* () {
          const session = (yield* Identity.signIn(client, email, password)).body as { token: string }
          const access = yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${session.token}` } })
          return `Bearer ${(access.body as { token: string }).token}`
        })
      const admin = yield* tokenOf("admin@flight.test", "admin-test-password")
      const ops = yield* tokenOf("ops@flight.test", "ops-test-password")
      expect((yield* client.send("GET", "/metrics")).status).toBe(401)
      expect((yield* client.send("GET", "/metrics", { headers: { authorization: ops } })).status).toBe(403)
      const metrics = yield* client.send("GET", "/metrics", { headers: { authorization: admin } })
      expect(metrics.status).toBe(200)
      const text = metrics.body as string
      expect(text).toMatch(/http_server_requests_total\{[^}]*route="\/api\/auth\/sign-in\/email"[^}]*status="401"[^}]*\}|http_server_requests_total\{[^}]*status="401"[^}]*route="\/api\/auth\/sign-in\/email"/)
    }), { layer: quiet })

  EffectTest.effect("/metrics refuses forged and altered tokens of its own issuer with a 401 invalid_token", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const session = (yield* Identity.signIn(client, "ops@flight.test", "ops-test-password")).body as { token: string }
      const token = ((yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${session.token}` } })).body as { token: string }).token
      const [header, , signature] = token.split(".") as [string, string, string]
      const { header: protectedHeader, payload: claims } = Identity.claimsOf(token)
      const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
      const jwks = (yield* client.send("GET", "/api/auth/jwks")).body as { keys: Array<{ kid: string; x: string }> }
      const published = jwks.keys.find((key) => key.kid === protectedHeader.kid)!
      const stranger = yield* Effect.promise(() => generateKeyPair("EdDSA", { extractable: true }))
      const signedByStranger = (extra: Record<string, unknown>, kid: string) =>
        Effect.promise(() =>
          new SignJWT({ ...claims, roles: ["ops", "admin"], ...extra }).setProtectedHeader({ alg: "EdDSA", kid }).sign(stranger.privateKey)
        )
      const hostile = {
        tampered: `${header}.${encode({ ...claims, roles: ["ops", "admin"] })}.${signature}`,
        "alg none": `${encode({ alg: "none", typ: "JWT", kid: protectedHeader.kid })}.${encode({ ...claims, roles: ["ops", "admin"] })}.`,
        "HS256 with the public key": yield* Effect.promise(() =>
          new SignJWT({ ...claims, roles: ["ops", "admin"] }).setProtectedHeader({ alg: "HS256", kid: protectedHeader.kid })
            .sign(base64url.decode(published.x))
        ),
        "unknown kid": yield* signedByStranger({}, "not-a-kid-of-identity"),
        "a published kid, another key": yield* signedByStranger({}, protectedHeader.kid),
        expired: yield* signedByStranger({ exp: Math.floor(Date.now() / 1000) - 3600 }, protectedHeader.kid),
        "wrong audience": yield* signedByStranger({ aud: "another-api" }, protectedHeader.kid),
      }
      for (const [name, forged] of Object.entries(hostile)) {
        const answer = yield* client.send("GET", "/metrics", { headers: { authorization: `Bearer ${forged}` } })
        expect([name, answer.status, answer.headers.get("www-authenticate")?.startsWith('Bearer error="invalid_token"')]).toEqual([name, 401, true])
      }
    }), { layer: quiet })

  EffectTest.effect("HEAD on a GET route answers as the GET does, without a body", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      for (const path of ["/api/auth/jwks", "/.well-known/openid-configuration"]) {
        const answer = yield* client.send("HEAD", path)
        expect(`${path}: ${answer.status}`).toBe(`${path}: 200`)
        expect(answer.body).toBeUndefined()
      }
    }), { layer: quiet })

  EffectTest.effect("sign-out by bearer token ends the session: its token is refused afterwards", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const signedIn = yield* Identity.signIn(client, Identity.staff[0]!.email, "ops-test-password")
      const bearer = { authorization: `Bearer ${signedIn.body.token}` }
      const out = yield* client.send("POST", "/api/auth/sign-out", { headers: bearer })
      expect(out.status).toBe(200)
      expect((yield* client.send("GET", "/api/auth/token", { headers: bearer })).status).toBe(401)
    }), { layer: quiet })

  EffectTest.effect("a percent-encoded path is served as the route it matches, under that route's budget: sign%2Din is a sign-in", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const ip = Identity.freshIp()
      const body = { email: "x@example.com", password: "not-the-password" }
      const statuses: Array<number> = []
      for (let i = 0; i < 20; i++) statuses.push((yield* client.send("POST", "/api/auth/sign%2Din/%65mail", { body, ip })).status)
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
      expect(new Set(statuses.slice(5))).toEqual(new Set([429]))
      expect((yield* client.send("POST", "/api/auth/sign-in/email", { body, ip })).status).toBe(429)
    }), { layer: quiet })

  EffectTest.effect("from a trusted proxy (AUTH_TRUSTED_PROXIES), the last address of its header is the client's: distinct clients, distinct budgets", () =>
    Effect.gen(function* () {
      const proxy = Identity.freshIp()
      const client = yield* Identity.started(Identity.inMemory, { clientIpHeader: "x-forwarded-for", trustedProxies: [proxy] })
      const [attacker, other] = [Identity.freshIp(), Identity.freshIp()]
      const attempt = (forwardedFor: string) =>
        client.send("POST", "/api/auth/sign-in/email", {
          body: { email: "x@example.com", password: "not-the-password" },
          ip: proxy,
          headers: { "x-forwarded-for": forwardedFor },
        })
      // What a client writes before the proxy appends the address it saw changes nothing.
      for (let i = 0; i < 5; i++) expect((yield* attempt(`${Identity.freshIp()}, ${attacker}`)).status).toBe(401)
      expect((yield* attempt(`${Identity.freshIp()}, ${attacker}`)).status).toBe(429)
      expect((yield* attempt(other)).status).toBe(401)
    }), { layer: quiet })

  EffectTest.effect("the header from a connection not in AUTH_TRUSTED_PROXIES is not believed: spoofed addresses share the connection's budget", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory, { clientIpHeader: "x-forwarded-for", trustedProxies: [Identity.freshIp()] })
      const connection = Identity.freshIp()
      const attempt = () =>
        client.send("POST", "/api/auth/sign-in/email", {
          body: { email: "x@example.com", password: "not-the-password" },
          ip: connection,
          headers: { "x-forwarded-for": Identity.freshIp() },
        })
      for (let i = 0; i < 5; i++) expect((yield* attempt()).status).toBe(401)
      expect((yield* attempt()).status).toBe(429)
    }), { layer: quiet })

  EffectTest.effect("from a trusted proxy, a header value that is not an IP address is ignored: the proxy's address is throttled", () =>
    Effect.gen(function* () {
      const proxy = Identity.freshIp()
      const client = yield* Identity.started(Identity.inMemory, { clientIpHeader: "x-forwarded-for", trustedProxies: [proxy] })
      const attempt = (value: string) =>
        client.send("POST", "/api/auth/sign-in/email", {
          body: { email: "x@example.com", password: "not-the-password" },
          ip: proxy,
          headers: { "x-forwarded-for": value },
        })
      const junk = ["not-an-address", `${crypto.randomUUID()}`, "10.0.0.1.5", "unknown", "999.1.1.1"]
      for (const value of junk) expect((yield* attempt(value)).status).toBe(401)
      expect((yield* attempt(`x-${crypto.randomUUID()}`)).status).toBe(429)
    }), { layer: quiet })
})
