/** Reading a flight over HTTP by its id. */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { unknownId } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("GET /api/flights/{id}", () => {
  apiTest("answers 200 with the flight as scheduled", (api) =>
    Effect.gen(function* () {
      const scheduled = yield* api.schedule()
      const answer = yield* api.get(scheduled.id)
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual(scheduled)
    }))

  apiTest("a flight, like a search, may be kept by a shared cache for a second and by no browser; a change and a problem may not", (api) =>
    Effect.gen(function* () {
      const scheduled = yield* api.schedule()
      const read = yield* api.get(scheduled.id)
      const search = yield* api.search({ origin: scheduled.origin, destination: scheduled.destination, date: scheduled.departureAt.slice(0, 10) })
      expect([read.status, read.headers.get("cache-control")]).toEqual([200, "max-age=0, s-maxage=1"])
      expect([search.status, search.headers.get("cache-control")]).toEqual([200, "max-age=0, s-maxage=1"])
      const changed = yield* api.changeStatus(scheduled.id, { status: "boarding" })
      expect([changed.status, changed.headers.get("cache-control"), changed.headers.get("content-location")]).toEqual([200, null, `/api/flights/${scheduled.id}`])
      expect(changed.body).toMatchObject({ id: scheduled.id, status: "boarding" })
      expect((yield* api.get(unknownId)).headers.get("cache-control")).toBeNull()
    }))

  apiTest("an unknown well-formed UUID v7 is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      yield* api.schedule()
      expectProblem(yield* api.get(unknownId), 404, "flight-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("not-a-uuid"), ["path.id"])
    }))

  apiTest("a UUID of another version than 7 is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("6ba7b810-9dad-41d1-80b4-00c04fd430c8"), ["path.id"])
    }))
})
