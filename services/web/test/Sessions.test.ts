/**
 * Which requests leave a session behind: only those that have something to keep (a form with its
 * CSRF token, an account, a guest booking, a message). A page that gives nothing out keeps nothing,
 * so requests without a cookie cannot fill the session store (a review filled it at 1.3 KB a 404).
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Effect, Layer, Option, Runtime } from "effect"
import * as WebApp from "../src/api/WebApp.tsx"
import { SessionStore } from "../src/domain/Session.ts"
import { serviceLayer } from "../src/index.ts"
import { WebConfig } from "../src/infrastructure/WebConfig.ts"
import { csrfOf } from "./support/Visitor.ts"

const { valid } = ConfigSuite.reader(WebConfig)

/** The app (its gateway a port nothing listens on) over the in-memory store, counting what it saves. */
const counted = async () => {
  const config = { ...valid({}), apiUrl: new URL("http://127.0.0.1:9"), publicUrl: Option.none() }
  const runtime = await Effect.runPromise(Effect.scoped(Layer.toRuntime(serviceLayer(config))))
  const store = Runtime.runSync(runtime)(SessionStore)
  const saved: Array<string> = []
  const counting = SessionStore.of({ ...store, save: (session) => Effect.zipRight(Effect.sync(() => saved.push(session.id)), store.save(session)) })
  return { app: WebApp.make({ runtime: Runtime.provideService(runtime, SessionStore, counting), config }), saved }
}

const cookieOf = (response: Response) => /^flight_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1]

describe("sessions kept", () => {
  test("a request without a cookie for a page with no form keeps no session and sends no cookie: 404s, the search, assets", async () => {
    const { app, saved } = await counted()
    for (const path of ["/no/such/page", "/", "/assets/site.css", "/assets/__proto__", "/bookings/not-an-id"]) {
      const response = await app.request(path)
      expect([path, cookieOf(response)]).toEqual([path, undefined])
    }
    for (let i = 0; i < 50; i++) await app.request(`/x${i}`)
    expect(saved).toEqual([])
  })

  test("a page with a form keeps its session, whose token the form then carries past the CSRF check", async () => {
    const { app, saved } = await counted()
    const shown = await app.request("/sign-in")
    const id = cookieOf(shown)
    expect(id).toBeDefined()
    expect(saved).toEqual([id!])
    const posted = await app.request("/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: `flight_session=${id}` },
      body: new URLSearchParams({ _csrf: csrfOf(await shown.text()), email: "ada@example.com", password: "long-enough-password" }),
    })
    // Past the CSRF check (a 403 page otherwise): the identity service behind is down here.
    expect(posted.status).toBe(503)
    // A kept session's cookie is renewed on every page, forms or not.
    expect(cookieOf(await app.request("/no/such/page", { headers: { cookie: `flight_session=${id}` } }))).toBe(id)
  })

  test("a POST without a kept session is refused as a form without its token, and keeps nothing", async () => {
    const { app, saved } = await counted()
    const posted = await app.request("/manage", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: "flight_session=never-stored" },
      body: new URLSearchParams({ _csrf: "guessed", reference: "X7K2QP", lastName: "Lovelace" }),
    })
    expect(posted.status).toBe(403)
    expect(saved).toEqual([])
  })
})
