/**
 * The admin's system page against the whole system behind the real gateway: a message no service
 * can read is listed among each consuming service's dead letters with its reason, and replayed from
 * the page; a replay of what is no longer there is told, not failed.
 */
import { describe, expect, test } from "bun:test"
import * as Seed from "./support/Seed.ts"
import { lifetime } from "./support/System.ts"
import { csrfOf, textOf, visitor } from "./support/Visitor.ts"

const system = lifetime()

const admin = async () => {
  const client = visitor((await system()).web)
  expect((await client.submit("/sign-in", "/sign-in", Seed.admin)).status).toBe(303)
  return client
}

/** The page once `found` holds of it (a dead letter takes a moment to reach its queue). */
const eventually = async (client: Awaited<ReturnType<typeof admin>>, found: (html: string) => boolean) => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const page = await client.get("/ops/system")
    if (found(page.html)) return page
    await Bun.sleep(100)
  }
  throw new Error("the system page never showed what was expected")
}

const lettersOf = (html: string, service: string): ReadonlyArray<string> => {
  const table = new RegExp(`<table class="history" data-dead-letters="${service}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? ""
  return [...table.matchAll(/data-dead-letter="([^"]+)"/g)].map((match) => match[1]!)
}

describe("dead letters on the system page", () => {
  test("a message nobody can read is listed with its reason, per consuming service, and replayed from the page", async () => {
    const { sendRaw } = await system()
    const client = await admin()
    const before = lettersOf((await client.get("/ops/system")).html, "flight")
    await sendRaw("booking.created", "{ this is not json")
    const page = await eventually(client, (html) => lettersOf(html, "flight").length > before.length)
    const [id] = lettersOf(page.html, "flight").filter((letter) => !before.includes(letter))
    expect(id).toBeDefined()
    const row = new RegExp(`<tr data-dead-letter="${id}">([\\s\\S]*?)</tr>`).exec(page.html)?.[1] ?? ""
    expect(textOf(row)).toMatch(/booking\.created|unknown type/)
    expect(textOf(row)).toMatch(/decode|undecodable|not json|malformed/i)
    // Booking does not consume booking.created; payment and notification do.
    expect(lettersOf(page.html, "payment").length).toBeGreaterThan(0)

    const replayed = await client.post(`/ops/system/flight/dead-letters/${encodeURIComponent(id!)}/replay`, { _csrf: csrfOf(page.html) })
    expect([replayed.status, replayed.headers.get("location")]).toEqual([303, "/ops/system"])
    const after = await client.get("/ops/system")
    expect(textOf(after.html)).toContain(`Message ${id} is back on the flight queue.`)
  })

  test("replaying what is no longer a dead letter says so and changes nothing; an unknown service is a 404 page", async () => {
    const client = await admin()
    const page = await client.get("/ops/system")
    const before = page.html.match(/data-dead-letter="/g)?.length ?? 0
    const gone = await client.post("/ops/system/payment/dead-letters/no-such-message/replay", { _csrf: csrfOf(page.html) })
    expect(gone.status).toBe(303)
    const told = await client.get("/ops/system")
    expect(textOf(told.html)).toContain("Message no-such-message was not replayed: That message is no longer among the dead letters")
    expect(told.html.match(/data-dead-letter="/g)?.length ?? 0).toBe(before)
    expect((await client.post("/ops/system/gateway/dead-letters/x/replay", { _csrf: csrfOf(told.html) })).status).toBe(404)
  })

  test("a replay without the form's CSRF token, or by ops, is refused", async () => {
    const client = await admin()
    expect((await client.post("/ops/system/flight/dead-letters/x/replay", {})).status).toBe(403)
    const ops = visitor((await system()).web)
    await ops.submit("/sign-in", "/sign-in", Seed.ops)
    const home = await ops.get("/ops")
    const refused = await ops.post("/ops/system/flight/dead-letters/x/replay", { _csrf: csrfOf(home.html) })
    expect(refused.status).toBe(403)
    expect(textOf(refused.html)).toContain("The system page is for administrators")
  })
})
