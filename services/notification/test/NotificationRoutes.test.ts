/**
 * The notification service's routes over HTTP, on the in-memory store and an in-process bus: the
 * history filtered and paged, each validation failure (with the offending field), sending the
 * `notification.send` command, and the OpenAPI document. The history is filled by handling events
 * with the application on the app's runtime, as the consumer does.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { type AnyMessage, BookingId, BookingReference, type Contact, Envelope, FlightId, Messages, SeatNumber } from "@flight/contracts"
import { EffectTest, HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { DateTime, Effect, Layer, Logger } from "effect"
import * as NotificationApi from "../src/api/NotificationApi.ts"
import { NotificationCommands } from "../src/application/NotificationCommands.ts"
import { serviceLayer } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

type Answer = HttpAssertions.Answer
const { expectProblem, expectValidation } = HttpAssertions

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

interface NotificationJson {
  readonly id: string
  readonly causeId: string
  readonly bookingId: string | null
  readonly channel: string
  readonly recipient: string
  readonly template: string
  readonly subject: string
  readonly body: string
  readonly status: string
  readonly attempts: number
  readonly deliveredBy: string | null
  readonly error: string | null
  readonly createdAt: string
  readonly sentAt: string | null
}

interface PageJson {
  readonly items: ReadonlyArray<NotificationJson>
  readonly nextCursor: string | null
}

const pageOf = (answer: Answer) => {
  expect(answer.status).toBe(200)
  return answer.body as PageJson
}

// -------------------------------------------------------------------------------------------------
// The app

const makeApi = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  /** Every message the app put on the bus. */
  const published: Array<AnyMessage> = []
  const recording: typeof bus = { ...bus, publish: (message) => Effect.zipRight(Effect.sync(() => published.push(message)), bus.publish(message)) }
  const runtime = yield* Layer.toRuntime(Layer.mergeAll(serviceLayer(), Layer.succeed(MessageBus, recording), Layer.succeed(DeadLetters.DeadLetters, deadLetters), TestIssuer.layer()))
  const app = NotificationApi.make(runtime)
  // As ops unless a request says otherwise (who may call which route is NotificationAccess.test.ts's).
  const ops = yield* Effect.provide(TestIssuer.bearer("olga", ["ops"], { expiresIn: 3600 }), runtime)

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Effect.Effect<Answer> =>
    Effect.promise(async () => {
      const response = await app.fetch(
        new Request(`http://notification.test${path}`, {
          method,
          ...(body === undefined
            ? { headers: { authorization: ops, ...headers } }
            : { headers: { authorization: ops, "content-type": "application/json", ...headers }, body: JSON.stringify(body) }),
        }),
      )
      const text = await response.text()
      return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) as unknown }
    })

  const history = (query: Record<string, string>) => send("GET", `/api/notifications?${new URLSearchParams(query)}`)
  const post = (body: unknown, key?: string) =>
    send("POST", "/api/notifications", body, key === undefined ? {} : { "idempotency-key": key })

  /** Handles a message as the consumer does, on the app's store. */
  const handle = (message: AnyMessage) =>
    Effect.flatMap(NotificationCommands, (commands) => commands.handle(message)).pipe(Effect.provide(runtime))

  /** A booking.created for a new booking, handled: booking-received by email and, with a phone, SMS. */
  const created = (contact: Contact) =>
    Effect.gen(function* () {
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      const seat = SeatNumber.make("12A")
      const message = yield* Envelope.make(Messages.BookingCreated, {
        bookingId,
        reference: BookingReference.make("X7K2QP"),
        flightId: FlightId.make(Bun.randomUUIDv7()),
        cabin: "economy",
        seats: [seat],
        passengers: [{ firstName: "Ada", lastName: "Lovelace", seat }] as never,
        contact,
        total: { amount: 45_000, currency: "GBP" },
        holdExpiresAt: DateTime.unsafeMake("2026-11-26T12:15:00Z"),
      }, { source: "booking" })
      yield* handle(message)
      return bookingId as string
    })

  return { send, history, post, created, published }
})

type Api = Effect.Effect.Success<typeof makeApi>

const apiTest = <A, E>(name: string, body: (api: Api) => Effect.Effect<A, E>) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi, body), { layer: quiet })

const ada = { email: "ada@example.com", phone: "+447700900123" }
const grace = { email: "grace@example.com" }

// -------------------------------------------------------------------------------------------------
// GET /api/notifications

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

// -------------------------------------------------------------------------------------------------
// POST /api/notifications

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

// -------------------------------------------------------------------------------------------------
// OpenAPI

describe("GET /openapi.json", () => {
  apiTest("documents GET and POST /api/notifications", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const document = answer.body as { paths: Record<string, Record<string, unknown>> }
      const operations = document.paths["/api/notifications"]
      expect(operations).toBeDefined()
      expect(operations?.["get"]).toBeDefined()
      expect(operations?.["post"]).toBeDefined()
      expect(JSON.stringify(operations?.["post"])).toContain("202")
    }))
})
