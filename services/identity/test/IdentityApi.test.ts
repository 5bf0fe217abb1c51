/**
 * What the identity service answers like every service (health, readiness on its store, metrics,
 * OpenAPI), and its OpenID discovery document.
 */
import { StoreHealth, StoreUnavailable } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Layer, Logger } from "effect"
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
      ])
      const signUp = document.paths["/api/auth/sign-up/email"].post
      expect(Object.keys(signUp.responses)).toEqual(expect.arrayContaining(["200", "400", "409", "429"]))
      expect(JSON.stringify(signUp.requestBody)).toContain("password")
    }), { layer: quiet })

  EffectTest.effect("/metrics counts better-auth's routes by route and status", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      yield* Identity.signIn(client, "nobody@example.com", "not-the-password")
      const text = (yield* client.send("GET", "/metrics")).body as string
      expect(text).toMatch(/http_server_requests_total\{[^}]*route="\/api\/auth\/sign-in\/email"[^}]*status="401"[^}]*\}|http_server_requests_total\{[^}]*status="401"[^}]*route="\/api\/auth\/sign-in\/email"/)
    }), { layer: quiet })
})
