/** The payment service's OpenAPI document: its routes, and what each needs and answers. */
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { apiTest } from "./support/RouteHarness.ts"

describe("GET /openapi.json", () => {
  apiTest("documents /api/payments (get, post) and /api/payments/{id} (get)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      type Operation = { readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>; readonly responses: Record<string, unknown> }
      const paths = (answer.body as { readonly paths: Record<string, Record<string, Operation>> }).paths
      expect(Object.keys(paths["/api/payments"] ?? {}).toSorted()).toEqual(["get", "post"])
      expect(Object.keys(paths["/api/payments/{id}"] ?? {})).toEqual(["get"])
      // Each needs a bearer token (from its access), answers 401 without one, and 404 to a caller its booking refuses.
      for (const operation of [paths["/api/payments"]!["post"]!, paths["/api/payments"]!["get"]!, paths["/api/payments/{id}"]!["get"]!]) {
        expect(operation.security?.length).toBeGreaterThan(0)
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["401", "404"]))
        expect(Object.keys(operation.responses)).not.toContain("403")
      }
    }))
})
