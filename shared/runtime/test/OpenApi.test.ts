import { describe, expect, test } from "bun:test"
import { Effect, Schema } from "effect"
import { HttpApp, OpenApi, Route } from "../src/index.ts"

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
