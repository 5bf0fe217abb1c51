import { afterAll, describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { HttpApp, Readiness } from "../src/index.ts"
import { EffectTest } from "../src/testing/index.ts"
import * as Fixture from "./HttpAppFixture.ts"

const { knownId, problemOf, readiness } = Fixture
const { app, get, dispose } = await Fixture.make()
afterAll(dispose)

describe("HttpApp: operations endpoints", () => {
  test("/health/live answers ok", async () => {
    const response = await get("/health/live")
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: "ok" })
  })

  test("/health/ready is 200 when ready and a 503 problem naming what is down otherwise", async () => {
    readiness.ready = Effect.void
    expect((await get("/health/ready")).status).toBe(200)

    readiness.ready = Readiness.all({ redis: Effect.fail("ECONNREFUSED"), rabbitmq: Effect.void, mongodb: Effect.die("boom") })
    const response = await get("/health/ready")
    expect(response.status).toBe(503)
    const problem = await problemOf(response)
    expect(problem.detail).toContain("redis")
    expect(problem.detail).toContain("mongodb")
    expect(problem.detail).not.toContain("rabbitmq")

    readiness.ready = Effect.fail(new Error("anything"))
    expect((await get("/health/ready")).status).toBe(503)
    readiness.ready = Effect.void
  })

  test("/metrics exposes the request counter and latency histogram in Prometheus text", async () => {
    await get(`/api/flights/${knownId}`)
    const response = await get("/metrics", { "x-test-roles": "admin" })
    expect(response.headers.get("content-type")).toContain("text/plain")
    const text = await response.text()
    expect(text).toContain("# TYPE http_server_requests_total counter")
    expect(text).toMatch(
      /http_server_requests_total\{service="flight-test",method="GET",route="\/api\/flights\/:id",status="200"\} [1-9]/,
    )
    expect(text).toContain("http_server_request_duration_seconds_bucket{service=\"flight-test\"")
  })

  test("/openapi.json documents the routes, their parameters, request and response schemas", async () => {
    const doc = (await (await get("/openapi.json")).json()) as any
    expect(doc.openapi).toBe("3.1.0")
    expect(doc.info).toEqual({ title: "flight-test service", version: "1.2.3" })

    const getFlight = doc.paths["/api/flights/{id}"].get
    expect(getFlight.summary).toBe("Get one flight")
    expect(getFlight.tags).toEqual(["flights"])
    expect(getFlight.parameters).toEqual([
      expect.objectContaining({ name: "id", in: "path", required: true, schema: expect.objectContaining({ format: "uuid" }) }),
      expect.objectContaining({ name: "limit", in: "query", required: false }),
    ])
    expect(getFlight.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/FlightView" })
    expect(getFlight.responses["404"].content["application/problem+json"].schema).toEqual({
      $ref: "#/components/schemas/Problem",
    })

    const createBooking = doc.paths["/api/bookings"].post
    const body = createBooking.requestBody.content["application/json"].schema
    expect(body.required).toEqual(["flightId", "passengers"])
    expect(body.additionalProperties).toBe(false)
    expect(createBooking.parameters).toEqual([expect.objectContaining({ name: "idempotency-key", in: "header" })])
    expect(Object.keys(createBooking.responses)).toEqual(["201", "400", "401", "409", "413", "415"])

    expect(doc.components.schemas.Problem.required).toEqual(["type", "title", "status"])
    expect(doc.components.schemas.FlightView.properties.departureAt).toBeDefined()
  })
})

describe("HttpApp.serve", () => {
  test("listens for the life of the scope", async () => {
    const url = await EffectTest.run(
      Effect.gen(function*() {
        const server = yield* HttpApp.serve(app, { port: 0, hostname: "127.0.0.1" })
        const response = yield* Effect.promise(() => fetch(new URL("/health/live", server.url)))
        expect(response.status).toBe(200)
        return server.url
      }),
    )
    expect(await fetch(new URL("/health/live", url)).then(() => "reachable", () => "closed")).toBe("closed")
  })

  test("fails with ServerError naming the port when it is taken", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function*() {
          const first = yield* HttpApp.serve(app, { port: 0, hostname: "127.0.0.1" })
          yield* HttpApp.serve(app, { port: first.port!, hostname: "127.0.0.1" })
        }),
      ),
    )
    expect(exit._tag).toBe("Failure")
    expect(String(exit._tag === "Failure" && exit.cause)).toContain("Cannot listen on port")
  })
})
