/** The validation of a flight search: each query parameter `GET /api/flights` refuses is named in the 400. */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { lhrJfk, without } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectValidation } = HttpAssertions

describe("GET /api/flights (search)", () => {
  describe("validation", () => {
    const valid = { ...lhrJfk, date: "2026-12-01" }
    const cases: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
      ["a missing origin", without(valid, "origin") as Record<string, string>, "query.origin"],
      ["date 2026-02-30", { ...valid, date: "2026-02-30" }, "query.date"],
      ["passengers 0", { ...valid, passengers: "0" }, "query.passengers"],
      ["passengers in exponent notation (1e0)", { ...valid, passengers: "1e0" }, "query.passengers"],
      ["limit in hexadecimal (0x10)", { ...valid, limit: "0x10" }, "query.limit"],
      ["passengers 10", { ...valid, passengers: "10" }, "query.passengers"],
      ["limit 0", { ...valid, limit: "0" }, "query.limit"],
      ["limit 101", { ...valid, limit: "101" }, "query.limit"],
      ["an unknown cabin", { ...valid, cabin: "galley" }, "query.cabin"],
      ["an unknown parameter", { ...valid, sort: "price" }, "query.sort"],
      ["a garbage cursor", { ...valid, cursor: "not-a-cursor" }, "query.cursor"],
    ]
    for (const [what, query, path] of cases) {
      apiTest(`${what} is a 400 at ${path}`, (api) =>
        Effect.gen(function* () {
          expectValidation(yield* api.search(query), [path])
        }))
    }

    apiTest("the bounds passengers 9 and limit 100 are accepted", (api) =>
      Effect.gen(function* () {
        const flight = yield* api.schedule()
        expect(yield* api.found({ ...valid, passengers: "9", limit: "100" })).toEqual([flight.id])
      }))

    apiTest("every bad parameter is reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.search({
          destination: "JFK",
          date: "2026-02-30",
          passengers: "0",
          limit: "101",
          cabin: "galley",
          sort: "price",
          cursor: "not-a-cursor",
        })
        expectValidation(answer, [
          "query.origin",
          "query.date",
          "query.passengers",
          "query.limit",
          "query.cabin",
          "query.sort",
          "query.cursor",
        ])
      }))
  })
})
