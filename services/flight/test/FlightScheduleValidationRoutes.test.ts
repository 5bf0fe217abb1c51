/**
 * The validation of a schedule request: each field and each rule of the schedule that
 * `POST /api/flights` refuses is named in the 400, all of them at once; a body that is not JSON.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { business, economy, lhrJfk, scheduleBody, without } from "./support/FlightRequests.ts"
import { apiTest } from "./support/FlightRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("POST /api/flights", () => {
  describe("validation", () => {
    apiTest("origin equal to destination is a 400 at body.destination", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ destination: "LHR" })), ["body.destination"])
      }))

    apiTest("arrival before departure is a 400 at body.arrivalAt", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ arrivalAt: "2026-12-01T09:00:00.000Z" })), ["body.arrivalAt"])
      }))

    apiTest("arrival equal to departure is a 400 at body.arrivalAt", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ arrivalAt: "2026-12-01T10:00:00.000Z" })), ["body.arrivalAt"])
      }))

    apiTest("overlapping cabin rows are a 400 at body.cabins.1.rows", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({ cabins: [business({ rows: { from: 1, to: 10 } }), economy({ rows: { from: 10, to: 30 } })] }))
        expectValidation(answer, ["body.cabins.1.rows"])
      }))

    apiTest("a cabin class given twice is a 400 at body.cabins.1.cabin", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({ cabins: [economy({ rows: { from: 10, to: 20 } }), economy({ rows: { from: 21, to: 30 } })] }))
        expectValidation(answer, ["body.cabins.1.cabin"])
      }))

    apiTest("repeated seat letters are a 400 at body.cabins.0.seatLetters", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ cabins: [economy({ seatLetters: "ABCA" })] })), ["body.cabins.0.seatLetters"])
      }))

    apiTest("rows with from greater than to are a 400 at body.cabins.0.rows", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ cabins: [economy({ rows: { from: 30, to: 10 } })] })), ["body.cabins.0.rows"])
      }))

    apiTest("a fare amount that is not an integer is a 400 at body.cabins.0.fare.amount", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({ cabins: [economy({ fare: { amount: 450.5, currency: "GBP" } })] }))
        expectValidation(answer, ["body.cabins.0.fare.amount"])
      }))

    apiTest("a bad IATA code is a 400 at body.origin", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ origin: "lhr" })), ["body.origin"])
      }))

    apiTest("a bad flight number is a 400 at body.flightNumber", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ flightNumber: "BA-117" })), ["body.flightNumber"])
      }))

    apiTest("an aircraft with a control character, an ANSI escape, a bidi override or a lone surrogate is a 400 at body.aircraft, and schedules nothing", (api) =>
      Effect.gen(function* () {
        for (const aircraft of ["A\udfff", "A\u0000B", "X\u0007\u001b[31mY", "\u202eevil", "Boeing\t777"]) {
          const answer = yield* api.post(scheduleBody({ aircraft }))
          expectValidation(answer, ["body.aircraft"])
          expect(HttpAssertions.problemOf(answer).errors?.[0]?.message).toMatch(/^must .* \(U\+[0-9A-F]{4} at \d+\)$/)
        }
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
      }))

    apiTest("an unknown body field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ gate: "B32" })), ["body.gate"])
      }))

    apiTest("a missing field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(without(scheduleBody(), "aircraft")), ["body.aircraft"])
      }))

    apiTest("several bad fields are reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(without(
          scheduleBody({
            flightNumber: "B",
            origin: "London",
            cabins: [economy({ fare: { amount: 1.5, currency: "GBP" } })],
            gate: "B32",
          }),
          "aircraft",
        ))
        expectValidation(answer, ["body.flightNumber", "body.origin", "body.aircraft", "body.cabins.0.fare.amount", "body.gate"])
      }))

    apiTest("several broken rules of the schedule are reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({
          destination: "LHR",
          arrivalAt: "2026-12-01T09:00:00.000Z",
          cabins: [economy({ rows: { from: 30, to: 10 } }), business({ seatLetters: "AA" })],
        }))
        expectValidation(answer, ["body.destination", "body.arrivalAt", "body.cabins.0.rows", "body.cabins.1.seatLetters"])
      }))

    apiTest("malformed JSON is a 400 of type malformed-json", (api) =>
      Effect.gen(function* () {
        expectProblem(yield* api.send("POST", "/api/flights", { raw: `{"flightNumber": "BA117",` }), 400, "malformed-json")
      }))

    apiTest("a body that is not JSON (text/plain) is a 415", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.send("POST", "/api/flights", {
          raw: JSON.stringify(scheduleBody()),
          headers: { "content-type": "text/plain" },
        })
        expectProblem(answer, 415, "unsupported-media-type")
      }))

    apiTest("no body at all is a 400 at body", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.send("POST", "/api/flights"), ["body"])
      }))
  })
})
