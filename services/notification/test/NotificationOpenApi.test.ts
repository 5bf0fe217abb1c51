/** The notification service's OpenAPI document: its routes and what they answer. */
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { apiTest } from "./support/RouteHarness.ts"

describe("GET /openapi.json", () => {
  apiTest("documents GET and POST /api/notifications", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const document = answer.body as { paths: Record<string, Record<string, unknown>> }
      const operations = document.paths["/api/notifications"]
      expect(operations).toBeDefined()
      expect(operations?.["get"]).toBeDefined()
      expect(operations?.["post"]).toBeDefined()
      expect(JSON.stringify(operations?.["post"])).toContain("202")
    }))
})
