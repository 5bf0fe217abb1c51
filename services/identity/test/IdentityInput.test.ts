/**
 * Bad input on every route of the identity service: a clear 4xx problem+json, never a 500, and no
 * account made.
 */
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Logger } from "effect"
import { IdentityAuth } from "../src/infrastructure/BetterAuth.ts"
import * as Identity from "./support/Identity.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const accountCount = Effect.flatMap(IdentityAuth, ({ auth }) =>
  Effect.promise(async () => (await (await auth.$context).adapter.findMany({ model: "user" })).length))

const valid = { name: "Ada Lovelace", email: "ada@example.com", password: "analytical-engine-1843" }
const deep = (levels: number): string => "[".repeat(levels) + "]".repeat(levels)

interface Case {
  readonly title: string
  readonly status: number
  readonly type?: string
  readonly body?: unknown
  readonly raw?: string
  readonly headers?: Record<string, string>
}

const bodies = (route: "sign-up" | "sign-in"): ReadonlyArray<Case> => {
  const base = route === "sign-up" ? valid : { email: valid.email, password: valid.password }
  return [
    { title: "text/plain", status: 415, type: "unsupported-media-type", raw: JSON.stringify(base), headers: { "content-type": "text/plain" } },
    { title: "a form", status: 415, raw: "email=ada%40example.com&password=x", headers: { "content-type": "application/x-www-form-urlencoded" } },
    { title: "JSON that does not parse", status: 400, type: "malformed-json", raw: "{\"email\":", headers: { "content-type": "application/json" } },
    { title: "no body", status: 400, type: "validation-failed", raw: "", headers: { "content-type": "application/json" } },
    { title: "null", status: 400, type: "validation-failed", body: null },
    { title: "an array", status: 400, type: "validation-failed", body: [base] },
    { title: "an email of the wrong type", status: 400, type: "validation-failed", body: { ...base, email: 1 } },
    { title: "a password of the wrong type", status: 400, type: "validation-failed", body: { ...base, password: ["x"] } },
    { title: "no email", status: 400, type: "validation-failed", body: { password: valid.password } },
    { title: "an email that is none", status: 400, type: "validation-failed", body: { ...base, email: "ada" } },
    { title: "a 300-character email", status: 400, type: "validation-failed", body: { ...base, email: `${"a".repeat(290)}@example.com` } },
    { title: "an email with a control character", status: 400, type: "validation-failed", body: { ...base, email: "ada\u0000@example.com" } },
    { title: "a 200-character password", status: 400, type: "validation-failed", body: { ...base, password: "p".repeat(200) } },
    { title: "an unknown field", status: 400, type: "validation-failed", body: { ...base, isAdmin: true } },
    { title: "rememberMe of the wrong type", status: 400, type: "validation-failed", body: { ...base, rememberMe: "yes" } },
    { title: "a 100 KB body", status: 413, type: "payload-too-large", body: { ...base, name: "n".repeat(100_000) } },
    { title: "JSON nested 100 deep", status: 400, type: "malformed-json", raw: `{"email":${deep(100)}}`, headers: { "content-type": "application/json" } },
    ...(route === "sign-up"
      ? [
        { title: "a 300-character name", status: 400, type: "validation-failed", body: { ...valid, name: "n".repeat(300) } },
        { title: "an empty name", status: 400, type: "validation-failed", body: { ...valid, name: "" } },
        { title: "a name with a line break", status: 400, type: "validation-failed", body: { ...valid, name: "Ada\nLovelace" } },
        { title: "a name with an escape sequence", status: 400, type: "validation-failed", body: { ...valid, name: "Ada\u001b[31m" } },
        { title: "a name with a right-to-left override", status: 400, type: "validation-failed", body: { ...valid, name: "\u202eevil" } },
        { title: "a name with a line separator", status: 400, type: "validation-failed", body: { ...valid, name: "Ada\u2028Lovelace" } },
        { title: "a blank name", status: 400, type: "validation-failed", body: { ...valid, name: "   " } },
        { title: "an image that is no URL", status: 400, type: "validation-failed", body: { ...valid, image: "javascript: alert(1)" } },
        { title: "a javascript: image", status: 400, type: "validation-failed", body: { ...valid, image: "javascript:alert(1)" } },
        { title: "a data: image", status: 400, type: "validation-failed", body: { ...valid, image: "data:image/svg+xml,<svg onload=alert(1)>" } },
        { title: "an http: image", status: 400, type: "validation-failed", body: { ...valid, image: "http://example.com/ada.png" } },
      ]
      : []),
  ]
}

describe("identity: bad input", () => {
  for (const route of ["sign-up", "sign-in"] as const) {
    EffectTest.effect(`POST /api/auth/${route}/email refuses each bad body with a 4xx problem, and makes no account`, () =>
      Effect.gen(function* () {
        const client = yield* Identity.started(Identity.inMemory)
        const before = yield* Effect.provide(accountCount, client.runtime)
        for (const bad of bodies(route)) {
          const answer = yield* client.send("POST", `/api/auth/${route}/email`, {
            ...(bad.raw === undefined ? { body: bad.body } : { raw: bad.raw }),
            ...(bad.headers === undefined ? {} : { headers: bad.headers }),
          })
          expect(`${bad.title}: ${answer.status}`).toBe(`${bad.title}: ${bad.status}`)
          expect(answer.headers.get("content-type")).toContain("application/problem+json")
          if (bad.type !== undefined) expect(`${bad.title}: ${answer.body.type}`).toBe(`${bad.title}: ${bad.type}`)
          expect(JSON.stringify(answer.body).length).toBeLessThan(2_000)
        }
        expect(yield* Effect.provide(accountCount, client.runtime)).toBe(before)
      }), { layer: quiet })
  }

  EffectTest.effect("a field error names the field: body.email, body.name", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const answer = yield* Identity.signUp(client, { ...valid, email: 7, name: "x\u0007" })
      expect(answer.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(["body.email", "body.name"])
    }), { layer: quiet })

  EffectTest.effect("a sign-up's image is an https: URL, kept as given", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const answer = yield* Identity.signUp(client, { ...valid, image: "https://example.com/ada.png" })
      expect(answer.status).toBe(200)
      expect(answer.body.user.image).toBe("https://example.com/ada.png")
    }), { layer: quiet })

  EffectTest.effect("POST /api/auth/sign-out refuses a body that is not JSON or not the empty object (an array, a number, a boolean, a string)", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const text = yield* client.send("POST", "/api/auth/sign-out", { raw: "bye", headers: { "content-type": "text/plain" } })
      expect(text.status).toBe(415)
      for (const body of [{ everywhere: true }, [], 0, true, "", [{}]]) {
        const answer = yield* client.send("POST", "/api/auth/sign-out", { body })
        expect(`${JSON.stringify(body)}: ${answer.status}`).toBe(`${JSON.stringify(body)}: 400`)
        expect(answer.headers.get("content-type")).toContain("application/problem+json")
      }
      expect((yield* client.send("POST", "/api/auth/sign-out", { body: {} })).status).toBe(200)
    }), { layer: quiet })

  EffectTest.effect("better-auth's GET routes take no query parameters: a 400 problem", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      for (const path of ["/api/auth/token", "/api/auth/jwks", "/api/auth/get-session"]) {
        const answer = yield* client.send("GET", `${path}?disableCookieCache=true`)
        expect(`${path}: ${answer.status}`).toBe(`${path}: 400`)
        expect(answer.headers.get("content-type")).toContain("application/problem+json")
      }
    }), { layer: quiet })

  EffectTest.effect("a wrong method is a 405 problem with Allow; better-auth's other routes are not served (404 problem)", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const wrong = yield* client.send("GET", "/api/auth/sign-in/email")
      expect(wrong.status).toBe(405)
      expect(wrong.headers.get("allow")).toBe("POST")
      expect(wrong.headers.get("content-type")).toContain("application/problem+json")
      for (const path of ["/api/auth/update-user", "/api/auth/list-sessions", "/api/auth/ok"]) {
        const answer = yield* client.send(path === "/api/auth/update-user" ? "POST" : "GET", path, path === "/api/auth/update-user" ? { body: {} } : {})
        expect(`${path}: ${answer.status}`).toBe(`${path}: 404`)
        expect(answer.headers.get("content-type")).toContain("application/problem+json")
      }
    }), { layer: quiet })

  EffectTest.effect("an update of roles through better-auth cannot be reached at all", () =>
    Effect.gen(function* () {
      const client = yield* Identity.started(Identity.inMemory)
      const signedUp = yield* Identity.signUp(client, valid)
      const update = yield* client.send("POST", "/api/auth/update-user", {
        body: { roles: ["admin"] },
        headers: { authorization: `Bearer ${signedUp.body.token}` },
      })
      expect(update.status).toBe(404)
      const session = yield* client.send("GET", "/api/auth/get-session", { headers: { authorization: `Bearer ${signedUp.body.token}` } })
      expect(session.body.user.roles).toEqual(["customer"])
    }), { layer: quiet })
})
