import { describe, expect, test } from "bun:test"
import { Context, Effect, Layer, ManagedRuntime, Schema } from "effect"
import { HttpApp, OpenApi, Problem, Problems, Route, StoreError } from "../src/index.ts"

const FlightId = Schema.UUID.pipe(Schema.brand("FlightId"))
type FlightId = typeof FlightId.Type

describe("Route", () => {
  test("make types the handler's input from the route's schemas", () => {
    const route = Route.make({
      method: "post",
      path: "/api/flights/:id/status",
      summary: "Change a flight's status",
      access: { roles: ["ops"] },
      params: Schema.Struct({ id: FlightId }),
      query: Schema.Struct({ dryRun: Schema.optional(Schema.BooleanFromString) }),
      body: Schema.Struct({ status: Schema.Literal("delayed", "cancelled") }),
      headers: Schema.Struct({ "idempotency-key": Schema.String }),
      success: { status: 200, schema: Schema.Struct({ id: FlightId, status: Schema.String }) },
      handler: ({ body, headers, params, query }) => {
        const id: FlightId = params.id
        const status: "delayed" | "cancelled" = body.status
        const dryRun: boolean | undefined = query.dryRun
        const key: string = headers["idempotency-key"]
        // @ts-expect-error: not a declared parameter
        void params.other
        return key === "" || dryRun === true
          ? Effect.fail(Problem.badRequest("no"))
          : Effect.succeed({ id, status })
      },
    })
    expect(route.method).toBe("post")
    expect(route.errors).toEqual([])
    expect(route.access).toEqual({ roles: ["ops"] })
  })

  test("a route without input schemas gets empty params and no body", () => {
    Route.make({
      method: "get",
      path: "/api/ping",
      summary: "Ping",
      access: "anyone",
      success: { status: 204 },
      handler: ({ body, params }) => {
        const nothing: undefined = body
        // @ts-expect-error: no path parameters
        void params.id
        return Effect.succeed(nothing)
      },
    })
  })

  test("openApiPath turns Hono parameters into OpenAPI templates", () => {
    expect(Route.openApiPath("/api/flights/:id")).toBe("/api/flights/{id}")
    expect(Route.openApiPath("/api/seatmaps/:flightId{[0-9a-f-]+}/cabins/:cabin?")).toBe(
      "/api/seatmaps/{flightId}/cabins/{cabin}",
    )
  })
})

/** `route` served by an app whose bridge lets anyone call, on an empty runtime (disposed by the caller). */
const served = async (route: Route.Route<never>) => {
  const managed = ManagedRuntime.make(Layer.empty)
  const app = HttpApp.make({
    service: "route-test",
    version: "1",
    routes: [route],
    runtime: await managed.runtime(),
    authentication: { authorize: () => Effect.succeed(Context.empty()) },
    readiness: Effect.void,
  })
  return { app, managed }
}

/** The OpenAPI document of `route` alone. */
const documentOf = (route: Route.Route<never>) => OpenApi.document({ title: "t", version: "1", routes: [route], metricsAccess: HttpApp.metricsAccess })

describe("Route with a Problems selection", () => {
  class FlightNotFound extends Schema.TaggedError<FlightNotFound>()("FlightNotFound", { id: Schema.String }) {}
  class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {}) {}
  class FlightStoreError extends StoreError.Tagged("FlightStoreError", "flight") {}
  const problems = Problems.make<FlightNotFound | VersionConflict | FlightStoreError>({
    FlightNotFound: Problems.notFound("flight-not-found", (error) => `No flight ${error.id}`),
    VersionConflict: Problems.conflict("concurrent-update", "Send it again", { retryAfterSeconds: 1 }),
    FlightStoreError: Problems.store("The flight store is unavailable"),
  })
  const changing = problems.for("FlightNotFound", "VersionConflict", "FlightStoreError")
  const failures: Record<string, FlightNotFound | VersionConflict | FlightStoreError> = {
    f1: new FlightNotFound({ id: "f1" }),
    busy: new VersionConflict(),
    down: new FlightStoreError({ operation: "update", reason: "timeout" }),
    broken: new FlightStoreError({ operation: "read", reason: "unreadable", transient: false }),
  }
  const route = Route.make({
    method: "patch",
    path: "/api/flights/:id",
    summary: "Change a flight",
    access: "anyone",
    params: Schema.Struct({ id: Schema.String }),
    success: { status: 204 },
    errors: changing.statuses,
    handler: ({ params }) => changing.answer(Object.hasOwn(failures, params.id) ? Effect.fail(failures[params.id]!) : Effect.void),
  })

  test("documents the statuses of the failures it names", () => {
    const document = documentOf(route)
    const responses = document.paths["/api/flights/{id}"]!["patch"] as { responses: Record<string, unknown> }
    expect(Object.keys(responses.responses)).toEqual(["204", "400", "401", "404", "409", "503"])
  })

  test("answers each failure with its problem+json through the bridge", async () => {
    const { app, managed } = await served(route)
    const answers = await Promise.all(["f1", "busy", "down", "broken", "ok"].map(async (id) => {
      const response = await app.fetch(new Request(`http://test/api/flights/${id}`, { method: "PATCH" }))
      const body = response.status === 204 ? undefined : ((await response.json()) as Problem.Body)
      return [response.status, body?.type, response.headers.get("retry-after")]
    }))
    await managed.dispose()
    expect(answers).toEqual([
      [404, "flight-not-found", null],
      [409, "concurrent-update", "1"],
      [503, "service-unavailable", "1"],
      [500, "internal-error", null],
      [204, undefined, null],
    ])
  })
})

describe("a success's fixed headers", () => {
  const route = Route.make({
    method: "get",
    path: "/api/flights/:id",
    summary: "Get a flight",
    access: "anyone",
    params: Schema.Struct({ id: Schema.String }),
    success: { status: 200, schema: Schema.Struct({ id: Schema.String }), headers: { "cache-control": "max-age=0, s-maxage=1" } },
    errors: [404],
    handler: ({ params }) =>
      params.id === "missing"
        ? Effect.fail(Problem.notFound("flight-not-found", "No such flight"))
        : Effect.succeed(params.id === "chosen" ? Route.response({ status: 200, body: { id: "chosen" }, headers: { "x-chosen": "yes" } }) : { id: params.id }),
  })

  test("go on every success (one chosen at run time too, with its own), and on no failure", async () => {
    const { app, managed } = await served(route)
    const found = await app.fetch(new Request("http://test/api/flights/f1"))
    const missing = await app.fetch(new Request("http://test/api/flights/missing"))
    const chosen = await app.fetch(new Request("http://test/api/flights/chosen"))
    await managed.dispose()
    expect([chosen.status, chosen.headers.get("cache-control"), chosen.headers.get("x-chosen")]).toEqual([200, "max-age=0, s-maxage=1", "yes"])
    expect([found.status, found.headers.get("cache-control"), found.headers.get("content-type"), await found.json()])
      .toEqual([200, "max-age=0, s-maxage=1", "application/json", { id: "f1" }])
    expect([missing.status, missing.headers.get("cache-control")]).toEqual([404, null])
  })

  test("are documented on the success, each with its one value", () => {
    const document = documentOf(route)
    const operation = document.paths["/api/flights/{id}"]!["get"] as { responses: Record<string, { headers?: unknown }> }
    expect(operation.responses["200"]!.headers).toEqual({ "cache-control": { required: true, schema: { type: "string", const: "max-age=0, s-maxage=1" } } })
    expect(operation.responses["404"]!.headers).toBeUndefined()
  })
})
