/**
 * The Idempotency-Key of `POST /api/flights`: a replay answers the first response and schedules
 * nothing more, however the request is spelled; another request under the key is refused.
 */
import { HttpAssertions, JsonSpelling } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { flightOf, lhrJfk, scheduleBody } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions
const { reversedKeys } = JsonSpelling

describe("POST /api/flights", () => {
  describe("Idempotency-Key", () => {
    apiTest("the same key with the same request answers 201 with the identical body, marked idempotent-replayed, and schedules once", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "schedule-ba117-2026-12-01" }
        const firstAnswer = yield* api.post(scheduleBody(), headers)
        expect(firstAnswer.status).toBe(201)
        expect(firstAnswer.headers.get("idempotent-replayed")).toBeNull()
        const replay = yield* api.post(scheduleBody(), headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(firstAnswer.body)
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([flightOf(firstAnswer).id])
      }))

    apiTest("the same request spelled differently (key order, 10:00Z for 10:00:00.000Z) is still a replay", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" }
        const firstAnswer = yield* api.post(
          scheduleBody({ departureAt: "2026-12-01T10:00Z", arrivalAt: "2026-12-01T18:00:00Z" }),
          headers,
        )
        expect(firstAnswer.status).toBe(201)
        const replay = yield* api.post(reversedKeys(scheduleBody()), headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(firstAnswer.body)
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toHaveLength(1)
      }))

    apiTest("the same key with a different request is a 422 idempotency-key-reused, and schedules nothing more", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "reused-key" }
        expect((yield* api.post(scheduleBody(), headers)).status).toBe(201)
        const answer = yield* api.post(scheduleBody({ flightNumber: "BA179" }), headers)
        expectProblem(answer, 422, "idempotency-key-reused")
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toHaveLength(1)
      }))

    apiTest("a key of 300 characters is a 400 at header.idempotency-key", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody(), { "idempotency-key": "k".repeat(300) }), ["header.idempotency-key"])
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
      }))

    apiTest("two concurrent requests with the same key and body schedule one flight; both answer 201 with it", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "concurrent-key" }
        const answers = yield* Effect.all([api.post(scheduleBody(), headers), api.post(scheduleBody(), headers)], {
          concurrency: "unbounded",
        })
        expect(answers.map((answer) => answer.status)).toEqual([201, 201])
        expect(answers[1]?.body).toEqual(answers[0]?.body)
        expect(answers.filter((answer) => answer.headers.get("idempotent-replayed") === "true")).toHaveLength(1)
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toHaveLength(1)
      }))

    apiTest("two different keys with the same request are two requests (the second a 409 for the same number and day)", (api) =>
      Effect.gen(function* () {
        expect((yield* api.post(scheduleBody(), { "idempotency-key": "key-one" })).status).toBe(201)
        expectProblem(yield* api.post(scheduleBody(), { "idempotency-key": "key-two" }), 409, "flight-already-scheduled")
      }))
  })
})
