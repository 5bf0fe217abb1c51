import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Option, Schema } from "effect"
import { HttpApp, Route } from "../src/index.ts"
import * as Fixture from "./HttpAppFixture.ts"

const { authentication, authorized, Caller } = Fixture
const { runtime, dispose } = await Fixture.make()
afterAll(dispose)

describe("HttpApp: access", () => {
  const guarded = [
    Route.make({
      method: "post",
      path: "/api/flights",
      summary: "Schedule a flight",
      access: { roles: ["ops", "admin"] },
      body: Schema.Struct({ flightNumber: Schema.NonEmptyString }),
      success: { status: 201, schema: Schema.Struct({ by: Schema.Array(Schema.String) }) },
      handler: () => Effect.map(Caller, (caller) => ({ by: Option.getOrElse(caller, () => []) })),
    }),
    Route.make({
      method: "get",
      path: "/api/me",
      summary: "Who am I",
      access: "authenticated",
      success: { status: 200, schema: Schema.Struct({ roles: Schema.Array(Schema.String) }) },
      handler: () => Effect.map(Caller, (caller) => ({ roles: Option.getOrElse(caller, () => []) })),
    }),
    Route.make({
      method: "get",
      path: "/api/open",
      summary: "Open to anyone",
      access: "anyone",
      success: { status: 200, schema: Schema.Struct({ anonymous: Schema.Boolean }) },
      handler: () => Effect.map(Caller, (caller) => ({ anonymous: Option.isNone(caller) })),
    }),
  ]
  const guardedApp = HttpApp.make({ service: "guarded", version: "1", routes: guarded, runtime, authentication, readiness: Effect.void })
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    guardedApp.fetch(new Request(`http://test${path}`, { method, headers, ...(body === undefined ? {} : { body }) }))

  test("the caller is decided before the body is read: no 400, 413 or 415 for a caller who may not call", async () => {
    for (const [headers, status] of [[{}, 401], [{ "x-test-roles": "customer" }, 403], [{ "x-test-roles": "!" }, 401]] as const) {
      for (const [contentType, body] of [["application/json", "{not json"], ["text/plain", "x"], ["application/json", "x".repeat(100_000)]]) {
        const response = await send("POST", "/api/flights", { ...headers, "content-type": contentType! }, body)
        expect(response.status).toBe(status)
      }
    }
    const authorizedCaller = await send("POST", "/api/flights", { "x-test-roles": "ops", "content-type": "application/json" }, "{}")
    expect(authorizedCaller.status).toBe(400)
  })

  test("the handler runs with the caller the authentication gave", async () => {
    const response = await send("POST", "/api/flights", { "x-test-roles": "admin", "content-type": "application/json" }, '{"flightNumber":"BA117"}')
    expect([response.status, await response.json()]).toEqual([201, { by: ["admin"] }])
    expect(await (await send("GET", "/api/me", { "x-test-roles": "customer" })).json()).toEqual({ roles: ["customer"] })
    expect((await send("GET", "/api/me")).status).toBe(401)
    expect(await (await send("GET", "/api/open")).json()).toEqual({ anonymous: true })
    expect(await (await send("GET", "/api/open", { "x-test-roles": "customer" })).json()).toEqual({ anonymous: false })
    // A refused token is refused on an open route too: a client that meant to sign in is told.
    expect((await send("GET", "/api/open", { "x-test-roles": "!" })).status).toBe(401)
  })

  test("/metrics is for admins; health and the OpenAPI document stay open and ask no one", async () => {
    expect((await send("GET", "/metrics")).status).toBe(401)
    expect((await send("GET", "/metrics", { "x-test-roles": "ops" })).status).toBe(403)
    expect((await send("GET", "/metrics", { "x-test-roles": "admin" })).status).toBe(200)
    authorized.length = 0
    for (const path of ["/health/live", "/health/ready", "/openapi.json"]) {
      expect((await send("GET", path, { "x-test-roles": "!" })).status).toBe(200)
    }
    expect(authorized).toEqual([])
  })

  test("/openapi.json derives security, 401 and 403 from each route's access", async () => {
    const doc = (await (await send("GET", "/openapi.json")).json()) as any
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" })
    const schedule = doc.paths["/api/flights"].post
    expect(schedule.security).toEqual([{ bearerAuth: [] }])
    expect(Object.keys(schedule.responses)).toEqual(["201", "400", "401", "403", "413", "415"])
    expect(schedule.description).toContain("the role ops or admin")
    const me = doc.paths["/api/me"].get
    expect(me.security).toEqual([{ bearerAuth: [] }])
    expect(Object.keys(me.responses)).toEqual(["200", "400", "401"])
    const open = doc.paths["/api/open"].get
    expect(open.security).toEqual([{}, { bearerAuth: [] }])
    expect(Object.keys(open.responses)).toEqual(["200", "400", "401"])
    const metrics = doc.paths["/metrics"].get
    expect(metrics.security).toEqual([{ bearerAuth: [] }])
    expect(Object.keys(metrics.responses)).toEqual(["200", "401", "403"])
  })
})
