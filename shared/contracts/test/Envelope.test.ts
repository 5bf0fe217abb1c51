import { describe, expect, test } from "bun:test"
import { DateTime, Effect, Either, Schema, TestClock, TestContext } from "effect"
import { Catalogue, Envelope, Messages, UuidV7 } from "../src/index.ts"
import { bookingCreated, ids } from "./fixtures.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext))

const bookingData = Schema.decodeUnknownSync(Messages.BookingCreated.data)(bookingCreated().data)
const confirmedData = Schema.decodeUnknownSync(Messages.BookingConfirmed.data)({
  bookingId: ids.booking,
  reference: "X7K2QP",
  flightId: ids.flight,
  cabin: "economy",
  seats: ["12A"],
  paymentId: ids.payment,
  contact: { email: "ada@example.com" },
})
const now = Date.parse("2030-05-01T10:00:00.000Z")

describe("Envelope.make", () => {
  test("builds a valid message of its definition with a fresh UUID v7 id", () =>
    run(Effect.gen(function*() {
      const first = yield* Envelope.make(Messages.BookingCreated, bookingData, { source: "booking" })
      const second = yield* Envelope.make(Messages.BookingCreated, bookingData, { source: "booking" })
      expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(Schema.is(UuidV7)(first.id)).toBe(true)
      expect(second.id).not.toBe(first.id)
      expect(first).toMatchObject({ type: "booking.created", version: 1, source: "booking", data: bookingData })
      expect(Schema.is(Messages.BookingCreated.schema)(first)).toBe(true)
      expect(Either.isRight(Catalogue.decodeJson(Catalogue.encodeJson(first)))).toBe(true)
    })))

  test("stamps occurredAt with the time of the Clock", () =>
    run(Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const message = yield* Envelope.make(Messages.BookingCreated, bookingData, { source: "booking" })
      expect(DateTime.isUtc(message.occurredAt)).toBe(true)
      expect(DateTime.toEpochMillis(message.occurredAt)).toBe(now)
      expect(Catalogue.encode(message).occurredAt).toBe("2030-05-01T10:00:00.000Z")
    })))

  test("starts a new saga: the correlation id is the message's own id, and nothing caused it", () =>
    run(Effect.gen(function*() {
      const message = yield* Envelope.make(Messages.BookingCreated, bookingData, { source: "booking" })
      expect(message.correlationId).toBe(message.id)
      expect(message.causationId).toBeNull()
    })))

  test("starts a saga under a given correlation id", () =>
    run(Effect.gen(function*() {
      const message = yield* Envelope.make(Messages.BookingCreated, bookingData, {
        source: "booking",
        correlationId: ids.saga,
      })
      expect(message.correlationId).toBe(ids.saga)
      expect(message.causationId).toBeNull()
    })))

  test("continues the saga of the message that caused it", () =>
    run(Effect.gen(function*() {
      const created = yield* Envelope.make(Messages.BookingCreated, bookingData, {
        source: "booking",
        correlationId: ids.saga,
      })
      yield* TestClock.adjust("2 minutes")
      const confirmed = yield* Envelope.make(Messages.BookingConfirmed, confirmedData, {
        source: "booking",
        causedBy: created,
        correlationId: ids.booking, // a saga in progress keeps its own id
      })
      expect(confirmed.correlationId).toBe(ids.saga)
      expect(confirmed.causationId).toBe(created.id)
      expect(confirmed.id).not.toBe(created.id)
      expect(DateTime.distance(created.occurredAt, confirmed.occurredAt)).toBe(120_000)
    })))
})
