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
