/**
 * POST /api/notifications over HTTP: the `notification.send` command accepted (202) and published,
 * each validation failure with the offending field and nothing published, and its Idempotency-Key.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { apiTest, pageOf, uuidV7 } from "./support/RouteHarness.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("POST /api/notifications", () => {
  const valid = {
    channel: "email",
    recipient: "ada@example.com",
    template: "booking-confirmed",
    data: { reference: "X7K2QP", seats: "12A" },
  }

  apiTest("a template with its data: 202 with the command's id, a UUID v7", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post(valid)
      expect(answer.status).toBe(202)
      const body = answer.body as { commandId: string }
      expect(Object.keys(body)).toEqual(["commandId"])
      expect(body.commandId).toMatch(uuidV7)
      const again = yield* api.post({ ...valid, channel: "sms", recipient: "+447700900123" })
      expect(again.status).toBe(202)
      expect((again.body as { commandId: string }).commandId).not.toBe(body.commandId)
    }))

  apiTest("an unknown template: 400 at body.template", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post({ ...valid, template: "no-such-template" })
      expectValidation(answer, ["body.template"])
    }))

  apiTest("a template name that is not one: 400 at body.template", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.post({ ...valid, template: "Not A Template" }), ["body.template"])
    }))

  apiTest("a template missing its data: 400 at body.data", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post({ ...valid, data: { reference: "X7K2QP" } })
      expectValidation(answer, ["body.data"])
      expect(HttpAssertions.problemOf(answer).errors?.[0]?.message).toContain("seats")
    }))

  apiTest("template data with a control character (a NUL): 400 at body.data.<field>, nothing published", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post({ ...valid, data: { reference: "X7K\u0000QP", seats: "12A" } })
      expectValidation(answer, ["body.data.reference"])
      expect(HttpAssertions.problemOf(answer).errors?.[0]?.message).toBe("must not contain control characters (U+0000 at 3)")
      expect(api.published).toEqual([])
    }))

  apiTest("template data past its bounds (a value of 60,000 characters, 33 fields): 400 at body.data, nothing published", (api) =>
    Effect.gen(function* () {
      const long = yield* api.post({ ...valid, data: { reference: "R".repeat(60_000), seats: "12A" } })
      expectValidation(long, ["body.data.reference"])
      expect(HttpAssertions.problemOf(long).errors?.[0]?.message).toBe("at most 1000 characters")
      const many = Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`field${index}`, index]))
      expectValidation(yield* api.post({ ...valid, data: { ...valid.data, ...many } }), ["body.data"])
      expect(api.published).toEqual([])
    }))

  apiTest("free text with a control character, a line break, a bidi override or a lone surrogate (recipient, template values, keys): 400 naming the field, nothing published", (api) =>
    Effect.gen(function* () {
      for (const [body, path] of [
        [{ ...valid, recipient: "x\u0000y@example.com" }, "body.recipient"],
        [{ ...valid, data: { ...valid.data, seats: "12A\t12B" } }, "body.data.seats"],
        [{ ...valid, data: { ...valid.data, seats: "12A\n\nPay at evil.example" } }, "body.data.seats"],
        [{ ...valid, data: { ...valid.data, reference: "\u202eevil" } }, "body.data.reference"],
        [{ ...valid, data: { ...valid.data, reference: "X\u0007\u001b[31mY" } }, "body.data.reference"],
        [{ ...valid, data: { ...valid.data, reference: "A\udfff" } }, "body.data.reference"],
        [{ ...valid, data: { ...valid.data, "note\u0000": "x" } }, "body.data"],
      ] as const) {
        const answer = yield* api.post(body)
        expectValidation(answer, [path])
        expect(HttpAssertions.problemOf(answer).errors?.[0]?.message).toMatch(/ \(U\+[0-9A-F]{4} at \d+\)$/)
      }
      expect(api.published).toEqual([])
    }))

  apiTest("a channel that is not email, sms or push: 400 at body.channel", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.post({ ...valid, channel: "fax" }), ["body.channel"])
    }))

  apiTest("a recipient that is not one address of its channel (a list of emails, a phone for email, an email for SMS): 400 at body.recipient", (api) =>
    Effect.gen(function* () {
      for (const body of [
        { ...valid, channel: "email", recipient: "x@example.com, y@example.org" },
        { ...valid, channel: "email", recipient: "+447700900123" },
        { ...valid, channel: "sms", recipient: "ada@example.com" },
      ]) {
        expectValidation(yield* api.post(body), ["body.recipient"])
      }
    }))

  apiTest("an empty recipient: 400 at body.recipient", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.post({ ...valid, recipient: "" }), ["body.recipient"])
    }))

  apiTest("an unknown body field: 400", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.post({ ...valid, priority: "high" }), 400, "validation-failed")
    }))

  apiTest("Idempotency-Key, the same request again: 202 with the first command's id, marked replayed; the command is the first one", (api) =>
    Effect.gen(function* () {
      const first = yield* api.post(valid, "send-1")
      expect(first.status).toBe(202)
      expect(first.headers.get("idempotent-replayed")).toBeNull()
      // The same request spelled another way (key order) is the same request.
      const again = yield* api.post({ data: { seats: "12A", reference: "X7K2QP" }, template: "booking-confirmed", recipient: "ada@example.com", channel: "email" }, "send-1")
      expect(again.status).toBe(202)
      expect(again.headers.get("idempotent-replayed")).toBe("true")
      expect(again.body).toEqual(first.body)
      // Published again under the same id (the consumer sends once per command id), never as a new command.
      expect(new Set(api.published.map((message): string => message.id))).toEqual(new Set([(first.body as { commandId: string }).commandId]))
    }))

  apiTest("Idempotency-Key with another request: 422 idempotency-key-reused, nothing published", (api) =>
    Effect.gen(function* () {
      expect((yield* api.post(valid, "send-2")).status).toBe(202)
      expectProblem(yield* api.post({ ...valid, recipient: "grace@example.com" }, "send-2"), 422, "idempotency-key-reused")
      expect(api.published).toHaveLength(1)
    }))

  apiTest("an Idempotency-Key that is not 1 to 255 printable characters: 400 at header.idempotency-key", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.post(valid, "x".repeat(256)), ["header.idempotency-key"])
      expect(api.published).toEqual([])
    }))

  apiTest("accepting the command records nothing yet: the consumer does that", (api) =>
    Effect.gen(function* () {
      expect((yield* api.post(valid)).status).toBe(202)
      expect(pageOf(yield* api.history({ recipient: "ada@example.com" })).items).toEqual([])
    }))
})
