/**
 * The site's frame over HTTP against the whole system behind the real gateway: health, assets
 * served locally, secure headers, the session cookie, CSRF on every form, and who may open /ops.
 */
import { describe, expect, test } from "bun:test"
import * as Seed from "./support/Seed.ts"
import { lifetime } from "./support/System.ts"
import { csrfOf, textOf, visitor } from "./support/Visitor.ts"

const system = lifetime()

const signedIn = async (email: string, password: string) => {
  const client = visitor((await system()).web)
  const answer = await client.submit("/sign-in", "/sign-in", { email, password })
  expect(answer.status).toBe(303)
  return client
}

describe("the frame", () => {
  test("health: live and ready (the session store answers)", async () => {
    const { web } = await system()
    expect((await fetch(`${web}/health/live`)).status).toBe(200)
    expect(await (await fetch(`${web}/health/ready`)).json()).toEqual({ status: "ok" })
  })

  test("htmx, the style sheet and the script are served by the site itself, kept by browsers only; no page names another origin", async () => {
    const { web } = await system()
    const htmx = await fetch(`${web}/assets/htmx.min.js`)
    expect([htmx.status, htmx.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"])
    // Kept by the browser, not by the gateway in front (decision 36): a new release's pages get its own files.
    expect([htmx.headers.get("cache-control"), htmx.headers.get("cache-status")]).toEqual(["public, max-age=3600, s-maxage=0", "gateway; fwd=miss"])
    expect(await htmx.text()).toContain("htmx")
    expect((await fetch(`${web}/assets/site.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8")
    expect((await fetch(`${web}/assets/nope.js`)).status).toBe(404)
    // Names an object has of its own kind are no files either (before: 500).
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect((await fetch(`${web}/assets/${name}`)).status).toBe(404)
    }
    const page = await (await fetch(`${web}/`)).text()
    expect(page).toContain(`<script src="/assets/htmx.min.js"`)
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//)
  })

  test("every page has the secure headers and a CSP without inline scripts or styles", async () => {
    const { web } = await system()
    const response = await fetch(`${web}/`)
    const csp = response.headers.get("content-security-policy") ?? ""
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain("unsafe-inline")
    expect(response.headers.get("x-content-type-options")).toBe("nosniff")
    expect(response.headers.get("cache-control")).toBe("no-store")
    const page = await response.text()
    expect(page).not.toMatch(/<script>(?!<\/script>)|style="/)
  })

  test("the session cookie holds only an id: httpOnly, SameSite=Lax, not Secure over http", async () => {
    const { web } = await system()
    const cookie = (await fetch(`${web}/sign-in`)).headers.getSetCookie()[0] ?? ""
    expect(cookie).toMatch(/^flight_session=[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/)
  })

  test("an unknown page is a 404 page, not JSON", async () => {
    const { web } = await system()
    const response = await fetch(`${web}/no/such/page`)
    expect([response.status, response.headers.get("content-type")]).toEqual([404, "text/html; charset=UTF-8"])
    expect(textOf(await response.text())).toContain("Page not found")
  })
})

describe("CSRF", () => {
  test("a form posted without its token, with another session's, or with no session is refused with a 403 page; nothing changes", async () => {
    const { web } = await system()
    const flight = await Seed.flight(await system())
    const guest = visitor(web)
    const page = await guest.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=1&seat=10A`)
    const fields = { cabin: "economy", passengers: "1", seat: "10A", firstName0: "Ada", lastName0: "Lovelace", email: "ada@example.com" }
    const other = visitor(web)
    const otherToken = csrfOf((await other.get("/")).html)
    for (const attempt of [
      () => guest.post(`/flights/${flight.id}/book`, fields),
      () => guest.post(`/flights/${flight.id}/book`, { ...fields, _csrf: otherToken }),
      () => visitor(web).post(`/flights/${flight.id}/book`, { ...fields, _csrf: csrfOf(page.html) }),
    ]) {
      const answer = await attempt()
      expect(answer.status).toBe(403)
      expect(textOf(answer.html)).toContain("This form has expired")
    }
    expect((await Seed.seats(await system(), flight.id))["10A"]).toBe("free")
    for (const path of ["/manage", "/sign-in", "/sign-up", "/sign-out", "/ops/flights"]) {
      expect((await guest.post(path, {})).status).toBe(403)
    }
  })
})

describe("who may open /ops", () => {
  test("an anonymous visitor is sent to sign in, and comes back after", async () => {
    const client = visitor((await system()).web)
    const answer = await client.get("/ops/flights/new")
    expect([answer.status, answer.headers.get("location")]).toEqual([303, "/sign-in?next=%2Fops%2Fflights%2Fnew"])
    const form = await client.get(answer.headers.get("location")!)
    const signedIn = await client.post("/sign-in", { _csrf: csrfOf(form.html), next: "/ops/flights/new", ...Seed.ops })
    expect(signedIn.headers.get("location")).toBe("/ops/flights/new")
    expect((await client.get("/ops/flights/new")).status).toBe(200)
  })

  test("a customer gets a 403 page on every console page", async () => {
    const { web } = await system()
    const customer = visitor(web)
    const email = `c-${crypto.randomUUID().slice(0, 8)}@example.com`
    expect((await customer.submit("/sign-up", "/sign-up", { name: "Cy Customer", email, password: "correct-horse-battery" })).status).toBe(303)
    for (const path of ["/ops", "/ops/flights/new", "/ops/bookings", "/ops/system"]) {
      const answer = await customer.get(path)
      expect(answer.status).toBe(403)
      expect(textOf(answer.html)).toContain("The operations console is for airline staff")
    }
  })

  test("ops opens the console but not the system page; admin sees every service ready, asked through the gateway", async () => {
    const opsClient = await signedIn(Seed.ops.email, Seed.ops.password)
    expect((await opsClient.get("/ops")).status).toBe(200)
    expect((await opsClient.get("/ops/system")).status).toBe(403)
    const adminClient = await signedIn(Seed.admin.email, Seed.admin.password)
    const page = await adminClient.get("/ops/system")
    expect(page.status).toBe(200)
    // The gateway, the five services and the site.
    expect(page.html.match(/data-ready="yes"/g)).toHaveLength(7)
    const text = textOf(page.html)
    for (const service of ["booking", "flight", "payment", "notification"]) {
      expect(text).toMatch(new RegExp(`Outbox: \\d+ pending, lag \\d+\\.\\d s`))
      expect(text).toMatch(new RegExp(`Queue in-process\\.${service}: \\d+ waiting, \\d+ consumer\\(s\\)`))
    }
  })

  test("signing in gives a new session id; signing out forgets the account", async () => {
    const client = visitor((await system()).web)
    await client.get("/sign-in")
    const before = client.cookies.get("flight_session")
    expect(before).toBeDefined()
    await client.submit("/sign-in", "/sign-in", Seed.ops)
    const after = client.cookies.get("flight_session")
    expect(after).not.toBe(before)
    const home = await client.get("/")
    expect(textOf(home.html)).toContain("Sign out ops@flight.local")
    expect((await client.post("/sign-out", { _csrf: csrfOf(home.html) })).status).toBe(303)
    expect(client.cookies.get("flight_session")).not.toBe(after)
    expect((await client.get("/ops")).status).toBe(303)
  })
})
