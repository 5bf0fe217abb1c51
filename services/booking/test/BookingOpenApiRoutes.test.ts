/** The booking service's OpenAPI document: the routes it documents. */
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { apiTest } from "./support/BookingRoutesApp.ts"

describe("GET /openapi.json", () => {
  apiTest("documents /api/bookings (get, post), /api/bookings/{id} (get), /api/bookings/{id}/cancel (post) and /api/seatmaps/{flightId} (get)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const paths = (answer.body as { readonly paths: Record<string, Record<string, unknown>> }).paths
      expect(Object.keys(paths["/api/bookings"] ?? {}).toSorted()).toEqual(["get", "post"])
      expect(Object.keys(paths["/api/bookings/{id}"] ?? {})).toEqual(["get"])
      expect(Object.keys(paths["/api/bookings/{id}/cancel"] ?? {})).toEqual(["post"])
      expect(Object.keys(paths["/api/seatmaps/{flightId}"] ?? {})).toEqual(["get"])
    }))

  apiTest("documents for each operation the statuses its failures answer (400 and 401 for every route)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      const paths = (answer.body as { readonly paths: Record<string, Record<string, { readonly responses: object }>> }).paths
      const statuses = (path: string, method: string) => Object.keys(paths[path]?.[method]?.responses ?? {})
      expect(statuses("/api/bookings", "post")).toEqual(["201", "400", "401", "404", "409", "413", "415", "422", "429", "503"])
      expect(statuses("/api/bookings", "get")).toEqual(["200", "400", "401", "403", "404", "503"])
      expect(statuses("/api/bookings/manage", "post")).toEqual(["200", "400", "401", "404", "413", "415", "503"])
      expect(statuses("/api/bookings/.well-known/jwks.json", "get")).toEqual(["200", "400", "401"])
      expect(statuses("/api/bookings/{id}", "get")).toEqual(["200", "400", "401", "404", "503"])
      expect(statuses("/api/bookings/{id}/cancel", "post")).toEqual(["200", "400", "401", "404", "409", "422", "503"])
      expect(statuses("/api/seatmaps/{flightId}", "get")).toEqual(["200", "400", "401", "404", "503"])
    }))
})
