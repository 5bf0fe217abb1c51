/**
 * The holding limit over HTTP (DESIGN §10, OWASP API6), on the in-memory store: `POST /api/bookings`
 * answers 429 `too-many-holds` with `Retry-After` once a holder (the contact email, the client's
 * address, the signed-in account) holds 9 seats, and books again once a hold runs out, is paid or is
 * cancelled. Requests arrive as Bun serves them: the connection's address is the server's (`env`) to
 * say; here a proxy at 10.0.0.1 is trusted to forward the client's in `x-forwarded-for`.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { EffectTest, HttpAssertions, SampleFlight } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect, Layer, Logger, Option } from "effect"
import * as BookingApi from "../src/api/BookingApi.ts"
import { BookingCommands } from "../src/application/BookingCommands.ts"
import { inMemoryLayer } from "../src/main.ts"
import { paymentSucceeded } from "./support/BookingRoutesApp.ts"
import { testSecurity } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const proxy = "10.0.0.1"

/** Who sends a booking: its contact email, the client's address, and the connection it comes over (the proxy unless given). */
interface Caller {
  readonly email?: string
  readonly address?: string
  readonly connection?: string
  readonly headers?: Record<string, string>
}

type Answer = HttpAssertions.Answer

const makeApi = (options: { readonly holdTtl?: Duration.Duration; readonly maxHeldSeats?: number } = {}) =>
  Effect.gen(function* () {
    const { bus, deadLetters } = yield* InProcessBus.make()
    const runtime = yield* Layer.toRuntime(Layer.mergeAll(
      inMemoryLayer(options.holdTtl, options.maxHeldSeats),
      Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters),
      testSecurity(),
    ))
    const app = BookingApi.make(runtime, { clientAddress: { header: Option.some("x-forwarded-for"), trustedProxies: [proxy] } })
    const withCommands = <A, E>(f: (commands: BookingCommands) => Effect.Effect<A, E>) => Effect.flatMap(BookingCommands, f).pipe(Effect.provide(runtime))

    const send = (method: string, path: string, init: { readonly body?: unknown; readonly headers?: Record<string, string>; readonly connection?: string }) =>
      Effect.promise(async (): Promise<Answer> => {
        const response = await app.fetch(
          new Request(`http://booking.test${path}`, {
            method,
            headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
            ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          }),
          // What Bun gives the app as its env: the server, which knows the connection's address.
          { requestIP: () => ({ address: init.connection ?? proxy, family: "IPv4", port: 40000 }) },
        )
        const text = await response.text()
        return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
      })

    const scheduled = yield* SampleFlight.scheduled([SampleFlight.economy({ from: 10, to: 19 })])
    const flightId = scheduled.data.flightId
    yield* withCommands((commands) => commands.seed(scheduled))

    /** Books `seats` passengers as `caller` (ada@example.com from 203.0.113.7 through the proxy unless given). */
    const post = (seats: number, caller: Caller = {}) =>
      send("POST", "/api/bookings", {
        body: {
          flightId,
          cabin: "economy",
          passengers: Array.from({ length: seats }, (_, index) => ({ firstName: "Ada", lastName: `Lovelace${"abcdefghi"[index]}` })),
          contact: { email: caller.email ?? "ada@example.com" },
        },
        headers: { "x-forwarded-for": caller.address ?? "203.0.113.7", ...caller.headers },
        ...(caller.connection === undefined ? {} : { connection: caller.connection }),
      })
    const book = (seats: number, caller: Caller = {}) =>
      Effect.map(post(seats, caller), (answer) => {
        expect(answer.status).toBe(201)
        return answer.body as { readonly id: string; readonly accessToken: string; readonly total: unknown }
      })
    const refused = (seats: number, caller: Caller = {}) =>
      Effect.map(post(seats, caller), (answer) => {
        HttpAssertions.expectProblem(answer, 429, "too-many-holds")
        return answer
      })
    const held = Effect.map(send("GET", `/api/seatmaps/${flightId}`, {}), (answer) =>
      (answer.body as { seats: Array<{ state: string }> }).seats.filter((seat) => seat.state === "held").length)
    const cancel = (booking: { readonly id: string; readonly accessToken: string }) =>
      send("POST", `/api/bookings/${booking.id}/cancel`, { headers: { authorization: `Bearer ${booking.accessToken}` } })
    const pay = (booking: { readonly id: string; readonly total: unknown }) =>
      Effect.gen(function* () {
        const message = yield* paymentSucceeded(booking)
        return yield* withCommands((commands) => commands.confirm(message))
      })
    const customer = (sub: string) =>
      Effect.map(Effect.flatMap(TestIssuer.Issuer, (issuer) => issuer.customer(sub)).pipe(Effect.provide(runtime)), (token) => ({
        authorization: `Bearer ${token}`,
      }))
    return { post, book, refused, held, cancel, pay, customer, send, flightId }
  })

type Api = Effect.Effect.Success<ReturnType<typeof makeApi>>

const apiTest = <A, E>(name: string, body: (api: Api) => Effect.Effect<A, E>, options?: Parameters<typeof makeApi>[0]) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi(options), body), { layer: quiet })

/** Another client on every count: its own email and its own address. */
const other = (n: number): Caller => ({ email: `other${n}@example.com`, address: `198.51.100.${n}` })

describe("POST /api/bookings: the holding limit", () => {
  apiTest("the 10th seat from one guest email is a 429 too-many-holds while 9 are held, with Retry-After until the first hold runs out; nothing is held", (api) =>
    Effect.gen(function* () {
      yield* api.book(4, { address: "203.0.113.1" })
      yield* api.book(5, { address: "203.0.113.2" })
      const answer = yield* api.refused(1, { address: "203.0.113.3" })
      const retryAfter = Number(answer.headers.get("retry-after"))
      expect(retryAfter).toBeGreaterThan(14 * 60)
      expect(retryAfter).toBeLessThanOrEqual(15 * 60)
      const problem = HttpAssertions.problemOf(answer)
      expect(problem.title).toBe("Too many seats held")
      expect(problem.detail).toContain("9 seats are held")
      expect(problem.detail).toContain("at most 9")
      // Which holder is full is not said, nor any email.
      expect(JSON.stringify(problem)).not.toMatch(/email|address|account|example\.com/)
      expect(yield* api.held).toBe(9)
      // A party bigger than what is left is refused the same way; another client books.
      yield* api.refused(3, { email: "ADA@Example.com", address: "203.0.113.4" })
      yield* api.book(9, other(1))
    }))

  apiTest("a hold that runs out lets the same email book again, without waiting for a sweep", (api) =>
    Effect.gen(function* () {
      yield* api.book(9)
      yield* api.refused(1)
      yield* Effect.sleep("120 millis")
      yield* api.book(1)
    }), { holdTtl: Duration.millis(50) })

  apiTest("a cancelled hold and a paid one give their seats back to the budget at once", (api) =>
    Effect.gen(function* () {
      const first = yield* api.book(4)
      const second = yield* api.book(5)
      yield* api.refused(1)
      expect((yield* api.cancel(first)).status).toBe(200)
      yield* api.book(4)
      yield* api.refused(1)
      expect((yield* api.pay(second))._tag).toBe("Confirmed")
      yield* api.book(5)
      yield* api.refused(1)
    }))

  apiTest("per client address through the trusted proxy: the 10th seat is refused whatever the emails; a header from anyone else is ignored", (api) =>
    Effect.gen(function* () {
      for (let n = 1; n <= 9; n++) yield* api.book(1, { email: `traveller${n}@example.com`, address: "203.0.113.50" })
      yield* api.refused(1, { email: "traveller10@example.com", address: "203.0.113.50" })
      // Straight from a client (not the proxy), x-forwarded-for is not believed: it counts under the connection.
      for (let n = 11; n <= 19; n++) {
        yield* api.book(1, { email: `traveller${n}@example.com`, address: `203.0.113.${n}`, connection: "192.0.2.9" })
      }
      yield* api.refused(1, { email: "traveller20@example.com", address: "203.0.113.20", connection: "192.0.2.9" })
      yield* api.book(1, { email: "traveller21@example.com", address: "203.0.113.21" })
    }))

  apiTest("an IPv6 client counts as its /64: the 10th seat from addresses of one /64 is refused; another /64 books", (api) =>
    Effect.gen(function* () {
      for (let n = 1; n <= 9; n++) yield* api.book(1, { email: `traveller${n}@example.com`, address: `2001:db8:0:7::${n.toString(16)}` })
      yield* api.refused(1, { email: "traveller10@example.com", address: "2001:db8:0:7:ffff:ffff:ffff:ffff" })
      yield* api.book(1, { email: "traveller11@example.com", address: "2001:db8:0:8::1" })
    }))

  apiTest("a connection from loopback (a local proxy not trusted to forward) counts under no address; its emails still do", (api) =>
    Effect.gen(function* () {
      for (let n = 1; n <= 10; n++) yield* api.book(1, { email: `traveller${n}@example.com`, connection: "127.0.0.1" })
      yield* api.book(9, { email: "ada@example.com", connection: "::1" })
      yield* api.refused(1, { email: "ada@example.com", connection: "::1" })
    }))

  apiTest("per signed-in account: the 10th seat is refused across emails and addresses; another account has its own budget", (api) =>
    Effect.gen(function* () {
      const a = yield* api.customer("customer-a")
      for (let n = 1; n <= 3; n++) yield* api.book(3, { ...other(n), headers: a })
      yield* api.refused(1, { ...other(4), headers: a })
      yield* api.book(9, { ...other(5), headers: yield* api.customer("customer-b") })
    }))

  apiTest("different holders do not share a budget", (api) =>
    Effect.gen(function* () {
      yield* api.book(9, other(1))
      yield* api.book(9, other(2))
      yield* api.book(9, other(3))
      yield* api.refused(1, other(1))
      expect(yield* api.held).toBe(27)
    }))

  apiTest("an Idempotency-Key replay of a booking is answered, not refused, while its holder is full", (api) =>
    Effect.gen(function* () {
      const key = { "idempotency-key": `key-${Bun.randomUUIDv7()}` }
      const first = yield* api.post(1, { headers: key })
      expect(first.status).toBe(201)
      yield* api.book(8)
      const again = yield* api.post(1, { headers: key })
      expect([again.status, again.headers.get("idempotent-replayed"), (again.body as { id: string }).id])
        .toEqual([201, "true", (first.body as { id: string }).id])
    }))

  apiTest("with BOOKING_MAX_HELD_SEATS at 4, a party of 5 is a 400 at body.passengers, and 4 seats are the budget", (api) =>
    Effect.gen(function* () {
      HttpAssertions.expectValidation(yield* api.post(5), ["body.passengers"])
      yield* api.book(4)
      const answer = yield* api.refused(1)
      expect(HttpAssertions.problemOf(answer).detail).toContain("at most 4")
    }), { maxHeldSeats: 4 })

  apiTest("the route documents its 429", (api) =>
    Effect.gen(function* () {
      const document = (yield* api.send("GET", "/openapi.json", {})).body as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
      }
      expect(Object.keys(document.paths["/api/bookings"]!["post"]!.responses)).toContain("429")
    }))
})
