import { describe, expect, test } from "bun:test"
import { Effect, Schema } from "effect"
import { Problem, Route } from "../src/index.ts"

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
