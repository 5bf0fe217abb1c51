/** Staying signed in: a token within a minute of its expiry is replaced; an ended session is signed in again. */
import { afterAll, expect, test } from "bun:test"
import * as StaffSession from "./StaffSession.ts"

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** An identity service that counts sign-ins and token requests, its tokens expiring `lifetime` seconds from now. */
let lifetime = 600
let sessions = 0
let tokens = 0
let valid = new Set<string>()
const identity = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: async (request) => {
    const path = new URL(request.url).pathname
    if (path === "/api/auth/sign-in/email") {
      const body = await request.json() as { email: string; password: string }
      if (body.password !== "flight-ops-dev-only") return Response.json({ code: "INVALID_EMAIL_OR_PASSWORD" }, { status: 401 })
      const session = `session-${++sessions}`
      valid.add(session)
      return Response.json({ token: session })
    }
    if (path === "/api/auth/token") {
      const session = request.headers.get("authorization")?.slice("Bearer ".length) ?? ""
      if (!valid.has(session)) return Response.json({ code: "UNAUTHORIZED" }, { status: 401 })
      tokens++
      const exp = Math.floor(Date.now() / 1000) + lifetime
      return Response.json({ token: `${encode({ alg: "EdDSA" })}.${encode({ sub: "ops", exp, n: tokens })}.sig` })
    }
    return new Response(null, { status: 404 })
  },
})
afterAll(() => identity.stop(true))

test("an access token is reused while it has more than a minute left, and replaced within its last minute, once for concurrent callers", async () => {
  lifetime = 600
  const long = StaffSession.signIn(identity.url)
  const first = await long.authorization()
  expect(await long.authorization()).toBe(first)
  expect([sessions, tokens]).toEqual([1, 1])

  lifetime = 30
  const short = StaffSession.signIn(identity.url)
  const stale = await short.authorization()
  expect([sessions, tokens]).toEqual([2, 2])
  const [a, b] = await Promise.all([short.authorization(), short.authorization()])
  expect(a).toBe(b!)
  expect(a).not.toBe(stale)
  expect([sessions, tokens]).toEqual([2, 3])
})

test("a session that ended (the identity service restarted) is signed in again; a wrong password says so", async () => {
  lifetime = 30
  const session = StaffSession.signIn(identity.url)
  await session.authorization()
  const signedIn = sessions
  valid = new Set()
  await session.authorization()
  expect(sessions).toBe(signedIn + 1)
  await expect(StaffSession.signIn(identity.url, { email: "ops@flight.local", password: "wrong" }).authorization()).rejects.toThrow(
    "Signing in as ops@flight.local failed: 401",
  )
})
