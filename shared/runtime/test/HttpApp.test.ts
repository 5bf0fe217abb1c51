import { afterAll, describe, expect, test } from "bun:test"
import { Context, DateTime, Effect, Layer, Logger, ManagedRuntime, Option, Schema } from "effect"
import type { Tracer } from "effect"
import { HttpApp, OpenApi, Problem, Readiness, Route, Traceparent } from "../src/index.ts"
import { EffectTest, RawHttp } from "../src/testing/index.ts"

// A service the routes depend on, to show that handlers run on the given runtime.
class Flights extends Context.Tag("test/Flights")<Flights, {
  readonly find: (id: string) => Effect.Effect<Option.Option<{ id: string; number: string }>>
}>() {}

const knownId = "0192f5a4-5c7e-7b3a-9f1d-2c3b4a5d6e7f"
const FlightId = Schema.UUID.pipe(Schema.brand("FlightId"))

class FlightView extends Schema.Class<FlightView>("FlightView")({
  id: FlightId,
  number: Schema.String,
  departureAt: Schema.DateTimeUtc,
}) {}

const Passenger = Schema.Struct({ firstName: Schema.NonEmptyString, lastName: Schema.NonEmptyString })
const CreateBooking = Schema.Struct({
  flightId: FlightId,
  passengers: Schema.Array(Passenger).pipe(Schema.minItems(1), Schema.maxItems(9)),
})

const logged: Array<{ message: unknown; cause: string }> = []
const captureLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ cause, message }) => logged.push({ message, cause: String(cause) })),
)

const seen: { span?: Tracer.Span; headers?: unknown } = {}

const routes = [
  Route.make({
    method: "get",
    path: "/api/flights/:id",
    summary: "Get one flight",
    access: "anyone",
    tags: ["flights"],
    params: Schema.Struct({ id: FlightId }),
    query: Schema.Struct({ limit: Schema.optional(Schema.NumberFromString) }),
    success: { status: 200, schema: FlightView },
    errors: [404],
    handler: ({ params }) =>
      Effect.gen(function*() {
        seen.span = yield* Effect.orDie(Effect.currentSpan)
        const flights = yield* Flights
        const flight = yield* flights.find(params.id)
        if (Option.isNone(flight)) return yield* Problem.notFound("flight-not-found", `No flight ${params.id}`)
        return new FlightView({
          id: params.id,
          number: flight.value.number,
          departureAt: DateTime.unsafeMake("2026-12-01T10:00:00Z"),
        })
      }),
  }),
  Route.make({
    method: "post",
    path: "/api/bookings",
    summary: "Create a booking",
    access: "anyone",
    body: CreateBooking,
    headers: Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) }),
    success: { status: 201, schema: Schema.Struct({ seats: Schema.Number }) },
    errors: [409],
    handler: ({ body, headers }) => {
      seen.headers = headers
      if (headers["idempotency-key"] === "replay") {
        return Effect.succeed(Route.response({ status: 200, body: { seats: 1 }, headers: { "idempotent-replayed": "true" } }))
      }
      return body.passengers.length > 5
        ? Effect.fail(Problem.conflict("seats-unavailable", "Not enough seats", { retryAfterSeconds: 5 }))
        : Effect.succeed({ seats: body.passengers.length, internalNote: "not for clients" })
    },
  }),
  Route.make({
    method: "post",
    path: "/api/bookings/:id/cancel",
    summary: "Cancel a booking",
    access: "anyone",
    params: Schema.Struct({ id: Schema.String }),
    success: { status: 204 },
    handler: ({ params }) =>
      params.id === "crash"
        ? Effect.die(new Error("connection string postgres://admin:hunter2@db leaked"))
        : Effect.void,
  }),
]

/**
 * A stand-in for @flight/auth behind the bridge's port: `x-test-roles: ops,admin` is a caller with
 * those roles, `x-test-roles: !` a refused token, no header an anonymous caller.
 */
class Caller extends Context.Tag("test/Caller")<Caller, Option.Option<ReadonlyArray<string>>>() {}
const authorized: Array<string> = []
const authentication: HttpApp.Authentication<Caller, never> = {
  authorize: (access, request) =>
    Effect.suspend(() => {
      authorized.push(`${request.method} ${new URL(request.url).pathname}`)
      const header = request.headers.get("x-test-roles")
      if (header === "!") return Effect.fail(Problem.make({ status: 401, type: "unauthorized", headers: { "www-authenticate": "Bearer" } }))
      const caller = header === null ? Option.none() : Option.some(header.split(","))
      if (access === "anyone") return Effect.succeed(Context.make(Caller, caller))
      if (Option.isNone(caller)) return Effect.fail(Problem.make({ status: 401, type: "unauthorized", headers: { "www-authenticate": "Bearer" } }))
      if (typeof access !== "string" && !access.roles.some((role) => caller.value.includes(role))) {
        return Effect.fail(Problem.make({ status: 403, type: "forbidden" }))
      }
      return Effect.succeed(Context.make(Caller, caller))
    }),
}

const FlightsTest = Layer.succeed(Flights, {
  find: (id) => Effect.succeed(id === knownId ? Option.some({ id, number: "BA117" }) : Option.none()),
})

let ready: Effect.Effect<void, unknown> = Effect.void
const managed = ManagedRuntime.make(Layer.merge(FlightsTest, captureLogs))
const runtime = await managed.runtime()
afterAll(() => managed.dispose())

const app = HttpApp.make({
  service: "flight-test",
  version: "1.2.3",
  routes,
  runtime,
  authentication,
  bodyLimitBytes: 1024,
  readiness: Effect.suspend(() => ready),
})

const get = (path: string, headers?: Record<string, string>) => app.fetch(new Request(`http://test${path}`, { headers }))
const post = (path: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
  app.fetch(new Request(`http://test${path}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  }))

const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toBe("application/problem+json")
  return (await response.json()) as Problem.Body
}

const validBooking = { flightId: knownId, passengers: [{ firstName: "Ada", lastName: "Lovelace" }] }

describe("HttpApp: input validation", () => {
  test("a bad body is a 400 listing every offending field", async () => {
    const response = await post("/api/bookings", {
      flightId: "nope",
      passengers: [{ firstName: "Ada", lastName: "" }],
    })
    expect(response.status).toBe(400)
    const problem = await problemOf(response)
    expect(problem.type).toBe("validation-failed")
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(["body.flightId", "body.passengers.0.lastName"])
  })

  test("unknown body fields are rejected", async () => {
    const response = await post("/api/bookings", { ...validBooking, discount: 100 })
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors).toEqual([
      { path: "body.discount", message: expect.stringContaining("is unexpected") },
    ])
  })

  test("a bad query value and an unknown query parameter are a 400 naming both", async () => {
    const response = await get(`/api/flights/${knownId}?limit=many&sort=asc`)
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path).sort()).toEqual(["query.limit", "query.sort"])
  })

  test("a route that declares no query refuses every query parameter, naming it", async () => {
    const response = await post("/api/bookings?sort=asc", validBooking)
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["query.sort"])
    expect((await post("/api/bookings", validBooking)).status).toBe(201)
  })

  test("a __proto__ query parameter is an unknown parameter like any other", async () => {
    const response = await get(`/api/flights/${knownId}?__proto__=a&__proto__=b`)
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["query.__proto__"])
  })

  test("a malformed path parameter is a 400, not a 404", async () => {
    const response = await get("/api/flights/not-a-uuid")
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["path.id"])
  })

  test("invalid JSON is a 400", async () => {
    const response = await post("/api/bookings", "{\"flightId\": ")
    expect(response.status).toBe(400)
    expect((await problemOf(response)).type).toBe("malformed-json")
  })

  test("a missing body is a 400", async () => {
    const response = await app.fetch(new Request("http://test/api/bookings", { method: "POST" }))
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors).toEqual([{ path: "body", message: "is missing" }])
  })

  test("a body over the limit is a 413, whether or not its length is declared", async () => {
    const big = { ...validBooking, padding: "x".repeat(2000) }
    expect((await post("/api/bookings", big)).status).toBe(413)
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(500)))
        controller.close()
      },
    })
    const response = await app.fetch(
      new Request("http://test/api/bookings", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: streamed,
      }),
    )
    expect(response.status).toBe(413)
    expect((await problemOf(response)).type).toBe("payload-too-large")
  })

  test("a body that is not JSON is a 415", async () => {
    const response = await post("/api/bookings", "flightId=1", { "content-type": "application/x-www-form-urlencoded" })
    expect(response.status).toBe(415)
    expect((await problemOf(response)).type).toBe("unsupported-media-type")
  })

  test("application/*+json and a charset are accepted as JSON", async () => {
    const response = await post("/api/bookings", validBooking, { "content-type": "application/vnd.api+json; charset=utf-8" })
    expect(response.status).toBe(201)
  })

  test("headers are decoded with lower-case names", async () => {
    await post("/api/bookings", validBooking, { "content-type": "application/json", "Idempotency-Key": "k-1" })
    expect(seen.headers).toEqual({ "idempotency-key": "k-1" })
  })
})

describe("HttpApp: hostile input", () => {
  const nested = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth)

  test("a body nested thousands deep is a 400 naming the cap, before any decoding", async () => {
    const app = HttpApp.make({ service: "deep-test", version: "1", routes, runtime, authentication, readiness: Effect.void })
    const deep = (body: string) =>
      app.fetch(new Request("http://test/api/bookings", { method: "POST", headers: { "content-type": "application/json" }, body }))
    for (const body of [nested(10_600, "[", "]"), `{"flightId":${"{\"a\":".repeat(7_200)}1${"}".repeat(7_200)}}`]) {
      const response = await deep(body)
      expect(response.status).toBe(400)
      const problem = await problemOf(response)
      expect(problem.type).toBe("malformed-json")
      expect(problem.detail).toContain("more than 32 levels deep")
    }
    // At the cap, the body is read and judged by its schema as usual.
    const atCap = await deep(`{"flightId":${nested(31, "[", "]")}}`)
    expect((await problemOf(atCap)).errors?.map((error) => error.path)).toEqual(["body.flightId", "body.passengers"])
  })

  test("a 400 echoes only a short, marked prefix of an offending value or key", async () => {
    const long = "x".repeat(900)
    const response = await post("/api/bookings", { ...validBooking, flightId: long })
    const [error] = (await problemOf(response)).errors ?? []
    expect(error?.path).toBe("body.flightId")
    expect(error?.message).toContain(`actual "${"x".repeat(39)}… (902 characters)`)
    expect(error!.message.length).toBeLessThan(200)
    const unknownKey = await post("/api/bookings", { ...validBooking, [long]: 1 })
    const [unexpected] = (await problemOf(unknownKey)).errors ?? []
    expect(unexpected?.path).toBe(`body.${"x".repeat(40)}… (900 characters)`)
  })
})

describe("HttpApp: requests with no valid Host, on a real server", () => {
  const malformed = [
    ["a Host with a space", "GET /api/bookings/x/cancel HTTP/1.1\r\nHost: a b\r\n\r\n"],
    ["an empty Host", "GET /api/flights/x HTTP/1.1\r\nHost:\r\n\r\n"],
    ["an unclosed IPv6 Host", "POST /api/bookings HTTP/1.1\r\nHost: [::1\r\nContent-Length: 0\r\n\r\n"],
    ["HTTP/1.0 without Host", "GET /health/live HTTP/1.0\r\n\r\n"],
    ["a Host with a port out of range", "GET /nowhere HTTP/1.1\r\nHost: x:99999\r\n\r\n"],
  ] as const

  test.each(malformed)("%s is a 400 problem that shows no source, path or stack", async (_, request) => {
    await EffectTest.run(Effect.gen(function*() {
      const server = yield* HttpApp.serve(app, { port: 0, hostname: "127.0.0.1" })
      const response = yield* Effect.promise(() => RawHttp.send(server.port!, request))
      expect(response.status).toBe(400)
      expect(response.headers["content-type"]).toBe("application/problem+json")
      expect(JSON.parse(response.body)).toMatchObject({ type: "malformed-request", status: 400 })
      expect(response.body).not.toContain(process.cwd())
      expect(response.body).not.toContain(".ts")
    }))
  })

  test("anything that escapes an app is a bare 500 problem, never Bun's error page", async () => {
    const throwing = { fetch: (): Response => { throw new Error(`failed in ${import.meta.path}`) } }
    await EffectTest.run(Effect.gen(function*() {
      const server = yield* HttpApp.serve(throwing, { port: 0, hostname: "127.0.0.1" })
      const response = yield* Effect.promise(() => fetch(new URL("/api/flights", server.url)))
      expect(response.status).toBe(500)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      const body = yield* Effect.promise(() => response.text())
      expect(JSON.parse(body)).toMatchObject({ type: "internal-error" })
      expect(body).not.toContain(import.meta.path)
    }))
  })
})

describe("HttpApp: routing", () => {
  test("an unknown route is a 404 problem", async () => {
    const response = await get("/api/nothing")
    expect(response.status).toBe(404)
    expect(await problemOf(response)).toMatchObject({ type: "not-found", status: 404, instance: "/api/nothing" })
  })

  test("a known path with the wrong method is a 405 with Allow", async () => {
    const response = await app.fetch(new Request("http://test/api/bookings", { method: "DELETE" }))
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("POST")
    expect((await problemOf(response)).type).toBe("method-not-allowed")
  })
})

describe("HttpApp: responses", () => {
  test("the success schema encodes the result and strips fields it does not declare", async () => {
    const response = await post("/api/bookings", validBooking)
    expect(response.status).toBe(201)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.json()).toEqual({ seats: 1 })

    const flight = await get(`/api/flights/${knownId}`)
    expect(flight.status).toBe(200)
    expect(await flight.json()).toEqual({ id: knownId, number: "BA117", departureAt: "2026-12-01T10:00:00.000Z" })
  })

  test("a handler may choose the status and headers with Route.response", async () => {
    const response = await post("/api/bookings", validBooking, { "content-type": "application/json", "idempotency-key": "replay" })
    expect(response.status).toBe(200)
    expect(response.headers.get("idempotent-replayed")).toBe("true")
    expect(await response.json()).toEqual({ seats: 1 })
  })

  test("a route without a success schema answers with no body", async () => {
    const response = await post("/api/bookings/b-1/cancel", "", {})
    expect(response.status).toBe(204)
    expect(await response.text()).toBe("")
  })

  test("a Problem from the handler is answered with its status, headers and problem+json", async () => {
    const notFound = await get("/api/flights/0192f5a4-5c7e-7b3a-9f1d-000000000000")
    expect(notFound.status).toBe(404)
    expect((await problemOf(notFound)).type).toBe("flight-not-found")

    const crowd = Array.from({ length: 6 }, () => ({ firstName: "A", lastName: "B" }))
    const conflict = await post("/api/bookings", { flightId: knownId, passengers: crowd })
    expect(conflict.status).toBe(409)
    expect(conflict.headers.get("retry-after")).toBe("5")
    expect(await problemOf(conflict)).toMatchObject({ type: "seats-unavailable", detail: "Not enough seats" })
  })

  test("a defect is a 500 problem that leaks nothing, and its cause is logged", async () => {
    logged.length = 0
    const response = await post("/api/bookings/crash/cancel", "", {})
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toMatchObject({ type: "internal-error", status: 500 })
    expect(text).not.toContain("hunter2")
    expect(text).not.toContain("connection string")
    expect(logged.some((entry) => entry.cause.includes("connection string"))).toBe(true)
  })
})

describe("HttpApp: tracing", () => {
  const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

  test("the request runs in a server span continuing the incoming traceparent", async () => {
    const response = await get(`/api/flights/${knownId}`, { traceparent: incoming })
    const span = seen.span!
    expect(span.name).toBe("HTTP GET /api/flights/:id")
    expect(span.kind).toBe("server")
    expect(span.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736")
    expect(Option.map(span.parent, (parent) => parent.spanId)).toEqual(Option.some("00f067aa0ba902b7"))
    expect(span.attributes.get("http.method")).toBe("GET")
    expect(span.attributes.get("http.route")).toBe("/api/flights/:id")
    expect(span.attributes.get("http.status_code")).toBe(200)
    expect(response.headers.get("traceparent")).toBe(
      Traceparent.format({ traceId: span.traceId, spanId: span.spanId, sampled: true }),
    )
  })

  test("without a traceparent a new trace starts; an invalid one is ignored", async () => {
    const fresh = await get(`/api/flights/${knownId}`, { traceparent: "garbage" })
    const header = fresh.headers.get("traceparent")
    expect(header).not.toBeNull()
    expect(Option.isSome(Traceparent.parse(header!))).toBe(true)
    expect(header).not.toContain("4bf92f3577b34da6a3ce929d0e0e4736")
  })
})

describe("HttpApp: operations endpoints", () => {
  test("/health/live answers ok", async () => {
    const response = await get("/health/live")
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: "ok" })
  })

  test("/health/ready is 200 when ready and a 503 problem naming what is down otherwise", async () => {
    ready = Effect.void
    expect((await get("/health/ready")).status).toBe(200)

    ready = Readiness.all({ redis: Effect.fail("ECONNREFUSED"), rabbitmq: Effect.void, mongodb: Effect.die("boom") })
    const response = await get("/health/ready")
    expect(response.status).toBe(503)
    const problem = await problemOf(response)
    expect(problem.detail).toContain("redis")
    expect(problem.detail).toContain("mongodb")
    expect(problem.detail).not.toContain("rabbitmq")

    ready = Effect.fail(new Error("anything"))
    expect((await get("/health/ready")).status).toBe(503)
    ready = Effect.void
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

describe("OpenApi path parameters", () => {
  const document = (routes: ReadonlyArray<Route.Route<never>>) => OpenApi.document({ title: "t", version: "1", routes, metricsAccess: HttpApp.metricsAccess })

  test("a route without a params Schema still documents each :name as a required string", () => {
    const doc = document([
      Route.make({ method: "get", path: "/api/seatmaps/:flightId", summary: "Seat map", access: "anyone", success: { status: 200 }, handler: () => Effect.void }),
    ]) as any
    expect(doc.paths["/api/seatmaps/{flightId}"].get.parameters).toEqual([
      { name: "flightId", in: "path", required: true, schema: { type: "string" } },
    ])
  })

  test("a params Schema that does not match the path is refused at start", () => {
    expect(() =>
      document([
        Route.make({
          method: "get",
          path: "/api/flights/:flightId",
          summary: "Flight",
          access: "anyone",
          params: Schema.Struct({ id: Schema.String }),
          success: { status: 200 },
          handler: () => Effect.void,
        }),
      ])
    ).toThrow("params Schema declares id, the path has flightId")
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
