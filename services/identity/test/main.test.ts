/**
 * The identity service run alone (`bun src/main.ts`) as an operator runs it: it starts, seeds and
 * prints the development staff, serves tokens a verifier checks through the discovery document,
 * stops cleanly, and refuses a production configuration without a secret or with a weak password.
 */
import { ChildProcess, RunAlone } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { createRemoteJWKSet, jwtVerify } from "jose"

const main = new URL("../src/main.ts", import.meta.url).pathname

const json = async (response: Response) => ({ status: response.status, body: await response.json() as any })

describe("identity run alone (bun src/main.ts)", () => {
  test("starts in memory, prints the development staff, signs ops in, and its token verifies by the discovery document's JWKS", async () => {
    const port = ChildProcess.freePort()
    const base = `http://127.0.0.1:${port}`
    const child = ChildProcess.spawn(["bun", main], { PORT: String(port), AUTH_ISSUER: base })
    try {
      await RunAlone.ready(child, base)
      const logs = ChildProcess.logLines(child.lines())
      expect(logs.filter((line) => line.message.startsWith("Starting identity"))[0]?.annotations).toMatchObject({ store: "in-memory" })
      const staff = logs.filter((line) => line.message.startsWith("Staff account")).map((line) => line.message)
      expect(staff).toEqual([
        "Staff account ops@flight.local (roles ops): created, development password: flight-ops-dev-only",
        "Staff account admin@flight.local (roles ops, admin): created, development password: flight-admin-dev-only",
      ])

      const signedIn = await json(await fetch(`${base}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "ops@flight.local", password: "flight-ops-dev-only" }),
      }))
      expect(signedIn.status).toBe(200)
      const token = await json(await fetch(`${base}/api/auth/token`, { headers: { authorization: `Bearer ${signedIn.body.token}` } }))
      const discovery = await json(await fetch(`${base}/.well-known/openid-configuration`))
      expect(discovery.body.issuer).toBe(base)
      const verified = await jwtVerify(token.body.token, createRemoteJWKSet(new URL(discovery.body.jwks_uri)), {
        issuer: discovery.body.issuer,
        audience: "flight-booking",
        algorithms: discovery.body.id_token_signing_alg_values_supported,
      })
      expect(verified.payload).toMatchObject({ roles: ["ops"], kind: "staff", email: "ops@flight.local" })
      expect(verified.protectedHeader.kid).toBeString()

      await RunAlone.expectStopsCleanly(child)
    } finally {
      RunAlone.killIfRunning(child)
    }
  }, 30_000)

  test("throttles by the connection's address over real HTTP: once the budget is spent, a sign-in is a 429 with Retry-After (a forwarded address is not believed, and a header without a trusted proxy is warned about)", async () => {
    const port = ChildProcess.freePort()
    const child = ChildProcess.spawn(["bun", main], { PORT: String(port), AUTH_SIGN_IN_MAX_ATTEMPTS: "3", AUTH_CLIENT_IP_HEADER: "X-Forwarded-For" })
    try {
      await child.waitFor((line) => line.includes("Listening on"))
      const warnings = ChildProcess.logLines(child.lines()).filter((line) => line.message.startsWith("AUTH_CLIENT_IP_HEADER"))
      expect(warnings.map((line) => [line.level, line.message.includes("AUTH_TRUSTED_PROXIES is not")])).toEqual([["warning", true]])
      const attempt = () =>
        fetch(`http://127.0.0.1:${port}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": `10.0.0.${Math.floor(Math.random() * 250)}` },
          body: JSON.stringify({ email: "ops@flight.local", password: "not-the-password" }),
        })
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await attempt()).status)
      expect(statuses).toEqual([401, 401, 401, 429])
      const throttled = await attempt()
      expect(throttled.headers.get("content-type")).toContain("application/problem+json")
      expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0)
    } finally {
      child.process.kill("SIGTERM")
      await child.process.exited
    }
  }, 30_000)

  test("what better-auth refuses is logged by the service's logger at debug, cut short: never raw, coloured or at error level", async () => {
    const port = ChildProcess.freePort()
    const base = `http://127.0.0.1:${port}`
    const child = ChildProcess.spawn(["bun", main], { PORT: String(port), AUTH_ISSUER: base, LOG_LEVEL: "debug" })
    try {
      await child.waitFor((line) => line.includes("Listening on"))
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })
      const origin = `https://${"evil".repeat(100)}.example`
      expect((await post("/api/auth/sign-in/email", { email: "ops@flight.local", password: "not-the-password" }, { origin })).status).toBe(403)
      expect((await post("/api/auth/sign-in/email", { email: "ops@flight.local", password: "not-the-password" })).status).toBe(401)
      expect((await post("/api/auth/sign-in/email", { email: "ops@flight.local", password: "not-the-password", callbackURL: "https://evil.example/x" })).status)
        .toBe(403)
      child.process.kill("SIGTERM")
      await child.process.exited
      const lines = child.lines()
      expect(lines.filter((line) => line.includes("[Better Auth]") || line.includes("\u001b"))).toEqual([])
      const logs = ChildProcess.logLines(lines)
      expect(logs.length).toBe(lines.length)
      const betterAuth = logs.filter((line) => line.message.startsWith("better-auth:"))
      expect(betterAuth.map((line) => line.message).join("\n")).toContain("Invalid origin")
      expect(betterAuth.filter((line) => line.level !== "debug")).toEqual([])
      for (const line of betterAuth) expect(line.message.length).toBeLessThan(300)
    } finally {
      RunAlone.killIfRunning(child)
    }
  }, 30_000)

  test("APP_ENV=production without BETTER_AUTH_SECRET and DATABASE_URL stops at start with one line naming both", async () => {
    const child = ChildProcess.spawn(["bun", main], { APP_ENV: "production", PORT: String(ChildProcess.freePort()) })
    await RunAlone.expectRefused(child, { naming: ["BETTER_AUTH_SECRET", "DATABASE_URL"] })
  }, 30_000)

  test("a weak staff password stops the start naming its variable, never the password", async () => {
    const child = ChildProcess.spawn(["bun", main], {
      PORT: String(ChildProcess.freePort()),
      SEED_OPS_EMAIL: "ops@example.com",
      SEED_OPS_PASSWORD: "Password1234",
    })
    await RunAlone.expectRefused(child, { naming: ["SEED_OPS_PASSWORD"], withholding: ["Password1234"] })
  }, 30_000)
})
