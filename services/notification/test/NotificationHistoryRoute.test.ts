/**
 * GET /api/notifications over HTTP: the history filtered by booking and by recipient, paged with
 * limit and cursor, and each validation failure with the offending field.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { ada, apiTest, grace, pageOf, uuidV7 } from "./support/RouteHarness.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("GET /api/notifications", () => {
  apiTest("with nothing sent: an empty page", (api) =>
    Effect.gen(function* () {
      expect(pageOf(yield* api.history({}))).toEqual({ items: [], nextCursor: null })
    }))

  apiTest("by bookingId: that booking's notifications only, as JSON", (api) =>
    Effect.gen(function* () {
      const first = yield* api.created(ada)
      yield* api.created(grace)
      const answer = yield* api.history({ bookingId: first })
      expect(answer.headers.get("content-type")).toContain("application/json")
      const page = pageOf(answer)
      expect(page.nextCursor).toBeNull()
      expect(page.items.map((item) => [item.channel, item.recipient]).toSorted()).toEqual([
        ["email", "ada@example.com"],
        ["sms", "+447700900123"],
      ])
      for (const item of page.items) {
        expect(item).toMatchObject({
          bookingId: first,
          template: "booking-received",
          subject: "Booking X7K2QP received",
          status: "sent",
          attempts: 1,
          error: null,
        })
        expect(item.id).toMatch(uuidV7)
        expect(item.causeId).toMatch(uuidV7)
        expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false)
        expect(item.sentAt).not.toBeNull()
      }
    }))

  apiTest("by recipient: that recipient's notifications only, across bookings", (api) =>
    Effect.gen(function* () {
      const first = yield* api.created(ada)
      const second = yield* api.created(ada)
      yield* api.created(grace)
      const page = pageOf(yield* api.history({ recipient: "ada@example.com" }))
      expect(page.items.map((item) => item.bookingId)).toEqual([first, second])
      for (const item of page.items) expect(item).toMatchObject({ channel: "email", recipient: "ada@example.com" })
      const sms = pageOf(yield* api.history({ recipient: "+447700900123", bookingId: second }))
      expect(sms.items.map((item) => [item.channel, item.bookingId])).toEqual([["sms", second]])
      expect(pageOf(yield* api.history({ recipient: "nobody@example.com" })).items).toEqual([])
    }))

  apiTest("pages with limit and nextCursor, oldest first, nextCursor null on the last page", (api) =>
    Effect.gen(function* () {
      const bookings = [yield* api.created(grace), yield* api.created(grace), yield* api.created(grace), yield* api.created(grace), yield* api.created(grace)]
      const seen: Array<string | null> = []
      let cursor: string | null = null
      let pages = 0
      do {
        const query: Record<string, string> = { recipient: "grace@example.com", limit: "2", ...(cursor === null ? {} : { cursor }) }
        const page = pageOf(yield* api.history(query))
        pages += 1
        expect(page.items.length).toBe(pages < 3 ? 2 : 1)
        seen.push(...page.items.map((item) => item.bookingId))
        cursor = page.nextCursor
        if (pages < 3) expect(typeof cursor).toBe("string")
      } while (cursor !== null && pages < 10)
      expect(pages).toBe(3)
      expect(seen).toEqual(bookings)
    }))

  apiTest("a page that ends exactly at the last notification has no nextCursor", (api) =>
    Effect.gen(function* () {
      yield* api.created(grace)
      yield* api.created(grace)
      expect(pageOf(yield* api.history({ recipient: "grace@example.com", limit: "2" })).nextCursor).toBeNull()
    }))

  apiTest("the default limit is 20", (api) =>
    Effect.gen(function* () {
      for (let index = 0; index < 21; index++) yield* api.created(grace)
      const page = pageOf(yield* api.history({}))
      expect(page.items).toHaveLength(20)
      expect(page.nextCursor).not.toBeNull()
    }))

  apiTest("a bookingId that is not a UUID v7: 400 naming it", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.history({ bookingId: "not-a-booking" }), ["query.bookingId"])
    }))

  apiTest("a limit that is not a whole number from 1 to 100: 400 naming it", (api) =>
    Effect.gen(function* () {
      for (const limit of ["0", "101", "abc", "-1", "1.5", "", "1000"]) {
        expectValidation(yield* api.history({ limit }), ["query.limit"])
      }
    }))

  apiTest("an empty recipient: 400 naming it", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.history({ recipient: "" }), ["query.recipient"])
    }))

  apiTest("a recipient with a control character or a bidi override: 400 naming it", (api) =>
    Effect.gen(function* () {
      for (const recipient of ["x\u0000y@example.com", "\u202eada@example.com"]) {
        expectValidation(yield* api.history({ recipient }), ["query.recipient"])
      }
    }))

  apiTest("an unknown query parameter: 400", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.history({ status: "sent" }), 400, "validation-failed")
    }))

  apiTest("a cursor that did not come from a page: 400 naming it", (api) =>
    Effect.gen(function* () {
      const notJson = Buffer.from("nonsense").toString("base64url")
      const negative = Buffer.from(JSON.stringify({ offset: -1 })).toString("base64url")
      for (const cursor of ["garbage!!", notJson, negative]) {
        const answer = yield* api.history({ cursor })
        expectValidation(answer, ["query.cursor"])
      }
    }))
})
