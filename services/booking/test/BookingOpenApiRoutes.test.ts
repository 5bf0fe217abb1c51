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
})
