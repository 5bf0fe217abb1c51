/** The flight service's OpenAPI document: the routes it documents. */
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { apiTest } from "./support/FlightRoutesApp.ts"

describe("GET /openapi.json", () => {
  apiTest("documents /api/flights (get, post), /api/flights/departures (get), /api/flights/{id} (get) and /api/flights/{id}/status (patch)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const paths = (answer.body as { readonly paths: Record<string, Record<string, unknown>> }).paths
      expect(Object.keys(paths["/api/flights"] ?? {}).toSorted()).toEqual(["get", "post"])
      expect(Object.keys(paths["/api/flights/departures"] ?? {})).toEqual(["get"])
      expect(Object.keys(paths["/api/flights/{id}"] ?? {})).toEqual(["get"])
      expect(Object.keys(paths["/api/flights/{id}/status"] ?? {})).toEqual(["patch"])
    }))
})
