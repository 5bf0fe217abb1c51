/**
 * The dead-letter routes every bus service serves (shared/bus OperationsRoutes), over HTTP on the
 * notification app as `main.ts` composes it: admins only, listing a dead letter with its reason and
 * the queue's depth, replaying one by id back onto the queue, and the inputs refused. On the
 * in-process bus always, on RabbitMQ (a throw-away prefix) when RABBITMQ_URL is set.
 */
import { TestIssuer } from "@flight/auth/testing"
import { HandlerPolicy, type Handlers, MessageBus } from "@flight/bus"
import { TestBus } from "@flight/bus/testing"
import { Catalogue, Envelope, Messages } from "@flight/contracts"
import { EffectTest, HttpAssertions, RealServer } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Data, Effect, Layer, Logger, Ref, Schedule, Schema } from "effect"
import * as NotificationApi from "../src/api/NotificationApi.ts"
import { serviceLayer } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const base = "/api/operations/notification/dead-letters"

class Refused extends Data.TaggedError("Refused")<{}> {}

interface DeadLettersJson {
  readonly service: string
  readonly queue: { readonly name: string; readonly messages: number; readonly consumers: number }
  readonly deadLetters: { readonly name: string; readonly messages: number }
  readonly items: ReadonlyArray<{ readonly id: string; readonly messageType: string | null; readonly reason: string; readonly attempts: number; readonly body: string }>
}

const setUp = (testBus: TestBus.TestBus) =>
  Effect.gen(function* () {
    const bus = yield* testBus.make
    const runtime = yield* Layer.toRuntime(Layer.mergeAll(serviceLayer(), Layer.succeedContext(bus), TestIssuer.layer()))
    const app = NotificationApi.make(runtime)
    const callers = yield* Effect.provide(TestIssuer.callers(), runtime)
    const send = (method: string, path: string, headers: Record<string, string> = callers.admin) =>
      Effect.promise(async (): Promise<HttpAssertions.Answer> => {
        const response = await app.fetch(new Request(`http://notification.test${path}`, { method, headers }))
        const text = await response.text()
        return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) as unknown }
      })
    const list = (query = "") => Effect.map(send("GET", `${base}${query}`), (answer) => {
      expect(answer.status).toBe(200)
      return answer.body as DeadLettersJson
    })
    // In place of the service's consumer: one that refuses every message while `refusing`, so that
    // what it refuses is dead-lettered at once.
    const refusing = yield* Ref.make(true)
    const handled = yield* Ref.make<ReadonlyArray<string>>([])
    const handlers = Object.fromEntries(Catalogue.consumedBy("notification").map((definition) => [
      definition.type,
      (message: { readonly id: string }) =>
        Effect.flatMap(Ref.get(refusing), (refuse) => refuse ? Effect.fail(new Refused()) : Ref.update(handled, (ids) => [...ids, message.id])),
    ])) as unknown as Handlers<Refused, never>
    const messageBus = yield* Effect.provide(MessageBus, runtime)
    yield* messageBus.consume({
      service: "notification",
      handlers,
      policy: HandlerPolicy.make<Refused>({ retry: Schedule.stop, isTransient: () => false, idempotency: null }),
    })
    const command = () =>
      Envelope.make(
        Messages.SendNotification,
        Schema.decodeUnknownSync(Messages.SendNotification.data)({
          channel: "email",
          recipient: "ada@example.com",
          template: "flight-delayed",
          data: { flightNumber: "BA117" },
        }),
        { source: "booking" },
      )
    const eventually = <A>(what: string, read: Effect.Effect<A>, ok: (a: A) => boolean) =>
      read.pipe(
        Effect.filterOrFail(ok, () => what),
        Effect.retry(Schedule.spaced("25 millis").pipe(Schedule.upTo("10 seconds"))),
        Effect.orDieWith((what) => new Error(`never: ${what}`)),
      )
    return { send, list, callers, refusing, handled, publish: messageBus.publish, command, eventually }
  })

const suite = (testBus: TestBus.TestBus) =>
  describe(`dead-letter routes on the ${testBus.name}`, () => {
    EffectTest.effect("only admins may list or replay: anonymous 401, customer 403, ops 403, admin 200", () =>
      Effect.gen(function* () {
        const { callers, send } = yield* setUp(testBus)
        for (const [path, method] of [[base, "GET"], [`${base}/some-id/replay`, "POST"]] as const) {
          expect((yield* send(method, path, callers.anonymous)).status).toBe(401)
          expect((yield* send(method, path, callers.customer)).status).toBe(403)
          expect((yield* send(method, path, callers.ops)).status).toBe(403)
        }
        expect((yield* send("GET", base, callers.admin)).status).toBe(200)
      }).pipe(Effect.provide(quiet)), { timeout: 30_000 })

    EffectTest.effect("a dead letter is listed with its reason; replayed by id it goes back on the queue, is handled, and leaves the list", () =>
      Effect.gen(function* () {
        const { command, eventually, handled, list, publish, refusing, send } = yield* setUp(testBus)
        const empty = yield* list()
        expect(empty).toMatchObject({ service: "notification", items: [], deadLetters: { messages: 0 }, queue: { consumers: 1 } })
        expect(empty.queue.name).toMatch(/\.notification$/)
        expect(empty.deadLetters.name).toMatch(/\.notification\.dead-letter$/)

        const message = yield* command()
        yield* publish(message)
        const listed = yield* eventually("the dead letter listed and counted", list(), (answer) => answer.items.length === 1 && answer.deadLetters.messages === 1)
        expect(listed.deadLetters.messages).toBe(1)
        expect(listed.items[0]).toMatchObject({ id: message.id, messageType: "notification.send", reason: "rejected" })
        expect(JSON.parse(listed.items[0]!.body)).toMatchObject({ id: message.id })

        // An id no dead letter has: 404, and nothing changes.
        HttpAssertions.expectProblem(yield* send("POST", `${base}/${crypto.randomUUID()}/replay`), 404, "dead-letter-not-found")
        expect((yield* list()).items.map((item) => item.id)).toEqual([message.id])

        yield* Ref.set(refusing, false)
        const replayed = yield* send("POST", `${base}/${message.id}/replay`)
        expect({ status: replayed.status, body: replayed.body }).toEqual({ status: 200, body: { replayed: 1 } })
        yield* eventually("the replayed message handled", Ref.get(handled), (ids) => ids.includes(message.id))
        expect(yield* list()).toMatchObject({ items: [], deadLetters: { messages: 0 } })
        // Replayed once: a second replay finds nothing.
        HttpAssertions.expectProblem(yield* send("POST", `${base}/${message.id}/replay`), 404, "dead-letter-not-found")
      }).pipe(Effect.provide(quiet)), { timeout: 30_000 })

    EffectTest.effect("limit keeps the oldest dead letters first", () =>
      Effect.gen(function* () {
        const { command, eventually, list, publish } = yield* setUp(testBus)
        const messages = []
        for (let i = 0; i < 3; i++) {
          const message = yield* command()
          messages.push(message)
          yield* publish(message)
          yield* eventually("dead-lettered", list(), (answer) => answer.items.length === i + 1)
        }
        const page = yield* list("?limit=2")
        expect(page.items.map((item) => item.id)).toEqual([messages[0]!.id, messages[1]!.id])
        expect(page.deadLetters.messages).toBe(3)
      }).pipe(Effect.provide(quiet)), { timeout: 30_000 })
  })

suite(TestBus.inProcess)
RealServer.describeWith("RABBITMQ_URL", "RabbitMQ", (url) => suite(TestBus.rabbitMq(url)))

describe("dead-letter routes' inputs", () => {
  EffectTest.effect("a limit outside 1 to 200 or not a whole number, and an id too long or not printable, are 400s", () =>
    Effect.gen(function* () {
      const { send } = yield* setUp(TestBus.inProcess)
      for (const limit of ["0", "201", "abc", "1.5", "-1"]) {
        HttpAssertions.expectValidation(yield* send("GET", `${base}?limit=${limit}`), ["query.limit"])
      }
      for (const id of ["x".repeat(201), "a%20b", "a%00b"]) {
        HttpAssertions.expectValidation(yield* send("POST", `${base}/${id}/replay`), ["path.id"])
      }
      expect((yield* send("GET", `${base}?limit=200`)).status).toBe(200)
    }).pipe(Effect.provide(quiet)))

  EffectTest.effect("the routes are in the service's OpenAPI document, for admins", () =>
    Effect.gen(function* () {
      const { send } = yield* setUp(TestBus.inProcess)
      const document = (yield* send("GET", "/openapi.json", {})).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } }
      expect(Object.keys(document.paths["/api/operations/notification/dead-letters"]!.get!.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "503"]))
      expect(Object.keys(document.paths["/api/operations/notification/dead-letters/{id}/replay"]!.post!.responses)).toEqual(expect.arrayContaining(["200", "400", "404"]))
      expect(document.components.schemas).toHaveProperty("DeadLetters")
    }).pipe(Effect.provide(quiet)))
})
