/**
 * The notification service's routes as their tests drive them: its HTTP app on the in-memory store
 * and an in-process bus, called as ops unless a request says otherwise; the history filled by
 * handling booking.created with the application on the app's runtime, as the consumer does; every
 * message the app published, recorded.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus, withPublish } from "@flight/bus"
import { type AnyMessage, BookingId, StoredMessage, BookingReference, type Contact, Envelope, FlightId, Messages, SeatNumber } from "@flight/contracts"
import { EffectTest, type HttpAssertions } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { DateTime, Effect, Layer } from "effect"
import * as NotificationApi from "../../src/api/NotificationApi.ts"
import { NotificationCommands } from "../../src/application/NotificationCommands.ts"
import { serviceLayer } from "../../src/main.ts"
import { quiet } from "./Handling.ts"

type Answer = HttpAssertions.Answer

export const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

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

export const pageOf = (answer: Answer) => {
  expect(answer.status).toBe(200)
  return answer.body as PageJson
}

export const makeApi = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  /** Every message the app put on the bus. */
  const published: Array<AnyMessage> = []
  const recording = withPublish(bus, (message) => Effect.zipRight(Effect.sync(() => published.push(StoredMessage.decodeSync(message))), bus.publish(message)))
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

export type Api = Effect.Effect.Success<typeof makeApi>

export const apiTest = <A, E>(name: string, body: (api: Api) => Effect.Effect<A, E>) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi, body), { layer: quiet })

export const ada = { email: "ada@example.com", phone: "+447700900123" }
export const grace = { email: "grace@example.com" }
