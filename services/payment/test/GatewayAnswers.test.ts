/**
 * What a gateway answers that `payment.processed` cannot carry (decision 13: its failure reason and
 * transaction id are free text, at most 200 characters): a decline reason with a control character,
 * a bidi override or a lone surrogate, or one too long, is recorded and published as
 * `gateway_error`; an approved charge's unreadable transaction id as a stand-in derived from it. The
 * payment completes either way, with one `payment.processed`, and the original is logged escaped.
 * On the in-memory store always, and on PostgreSQL when DATABASE_URL is set.
 */
import { Outbox } from "@flight/bus"
import { BookingId, Catalogue, StoredMessage } from "@flight/contracts"
import * as PostgresStore from "@flight/runtime/postgres"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Duration, Effect, Layer, Logger, Option, Redacted, type Scope } from "effect"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { type ChargeResult, excerpt, PaymentGateway, readableCharge, standInTransactionId } from "../src/domain/PaymentGateway.ts"
import { PaymentRepository } from "../src/domain/PaymentRepository.ts"
import * as InMemoryPaymentRepository from "../src/infrastructure/InMemoryPaymentRepository.ts"
import * as PostgresPaymentRepository from "../src/infrastructure/PostgresPaymentRepository.ts"
import { bookingCancelled, bookingCreated, freshDatabase, render, guestOf } from "./support/Fixtures.ts"

/** A provider that answers every charge of every key with `result`, and every refund with `refundId`. */
const answering = (result: ChargeResult, refundId = "re_1") =>
  PaymentGateway.of({
    charge: () => Effect.succeed(result),
    refund: () => Effect.succeed({ transactionId: refundId }),
    find: () => Effect.succeed(Option.some(result)),
  })

describe("the rule at the gateway's edge", () => {
  test("an excerpt shows what free text refuses as \\uXXXX, keeps the rest (accents, emoji, bidi marks), and is cut short", () => {
    expect(excerpt("a\u0000b\u001b[31m\u202e\u2028\ud800")).toBe("a\\u0000b\\u001b[31m\\u202e\\u2028\\ud800")
    expect(excerpt("refusée 👍 \u200f")).toBe("refusée 👍 \u200f")
    expect(excerpt("x".repeat(81), 80)).toBe(`${"x".repeat(80)}… (81 characters)`)
  })

  test("a result that payment.processed can carry is left as it is; the stand-in id is the same for the same original", () => {
    expect(readableCharge({ _tag: "Declined", reason: "card_declined" })).toEqual({ result: { _tag: "Declined", reason: "card_declined" }, unreadable: Option.none() })
    expect(readableCharge({ _tag: "Declined", reason: "" }).unreadable).toEqual(Option.none())
    expect(readableCharge({ _tag: "Approved", transactionId: "c".repeat(200) }).unreadable).toEqual(Option.none())
    expect(standInTransactionId("ch_\u0000")).toBe(standInTransactionId("ch_\u0000"))
    expect(standInTransactionId("ch_\u0000")).not.toBe(standInTransactionId("ch_\u0001"))
  })
})

type Store = Layer.Layer<PaymentRepository | Outbox.Store, unknown>

const suite = (name: string, store: () => Effect.Effect<Store, unknown, Scope.Scope>) =>
  describe(`a gateway's answer that payment.processed cannot carry: ${name}`, () => {
    /**
     * Pays a fresh booking through `result` (and, when `refundId` is given, cancels it and runs the
     * refunds); answers the payment, its refunds, the events in the outbox and what was logged.
     */
    const paidThrough = (result: ChargeResult, refundId?: string) =>
      Effect.gen(function* () {
        const logged: Array<string> = []
        const collect = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void logged.push(String(message))))
        const gateway = Layer.succeed(PaymentGateway, answering(result, refundId))
        const layer = Layer.provideMerge(PaymentCommands.Default, Layer.merge(yield* store(), gateway))
        return yield* Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          const answer = yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: bookingId, fingerprint: "f" }, render)
          if (refundId !== undefined) {
            yield* commands.bookingEnded(yield* bookingCancelled(bookingId))
            yield* commands.refundPending(10)
          }
          const { payments: [payment], refunds } = yield* repository.history(bookingId)
          const entries = yield* (yield* Outbox.Store).claim({ owner: "test", limit: 10, lease: Duration.seconds(10) })
          const messages = entries.map((entry) => StoredMessage.decodeSync(entry.message))
          const events = messages.flatMap((message) => (message.type === "payment.processed" ? [message] : []))
          const refunded = messages.filter((message) => message.type === "payment.refunded")
          return { answer, payment: payment!, refunds, events, refunded, logged }
        }).pipe(Effect.provide(Layer.merge(layer, collect)))
      })

    const it = (title: string, body: () => Effect.Effect<void, unknown, Scope.Scope>) => EffectTest.effect(title, body, { timeout: 30_000 })

    for (
      const [what, reason, shown] of [
        ["a NUL", "card\u0000declined", "card\\u0000declined"],
        ["a line break and an ANSI escape", "card_declined\r\n\u001b[31mX", "card_declined\\u000d\\u000a\\u001b[31mX"],
        ["a right-to-left override", "\u202edenilced", "\\u202edenilced"],
        ["a lone surrogate", "declined \ud800", "declined \\ud800"],
      ] as const
    ) {
      it(`a decline reason with ${what}: the payment fails as gateway_error, once, its event encodes, and the reason is logged escaped`, () =>
        Effect.gen(function* () {
          const { answer, events, logged, payment } = yield* paidThrough({ _tag: "Declined", reason })
          expect(answer.status).toBe(201)
          expect([payment.status, payment.failureReason]).toEqual(["failed", "gateway_error"])
          expect(events).toHaveLength(1)
          expect(events[0]!.data).toMatchObject({ status: "failed", failureReason: "gateway_error", transactionId: null })
          expect(() => Catalogue.encodeJson(events[0]!)).not.toThrow()
          const line = logged.find((message) => message.includes("failure reason"))
          expect(line).toContain(shown)
          expect(line!.includes(reason)).toBe(false)
        }))
    }

    it("a decline reason longer than 200 characters: gateway_error, the log keeps an excerpt of it", () =>
      Effect.gen(function* () {
        const { events, logged, payment } = yield* paidThrough({ _tag: "Declined", reason: "insufficient_funds ".repeat(20) })
        expect(payment.failureReason).toBe("gateway_error")
        expect(events.map((event) => event.data.failureReason)).toEqual(["gateway_error"])
        const line = logged.find((message) => message.includes("failure reason"))!
        expect(line).toContain("insufficient_funds insufficient_funds")
        expect(line.length).toBeLessThan(400)
      }))

    it("a decline reason that is free text is carried as it is", () =>
      Effect.gen(function* () {
        const { events, logged, payment } = yield* paidThrough({ _tag: "Declined", reason: "carte refusée \u200f" })
        expect(payment.failureReason).toBe("carte refusée \u200f")
        expect(events.map((event) => event.data.failureReason)).toEqual(["carte refusée \u200f"])
        expect(logged.filter((message) => message.includes("failure reason"))).toEqual([])
      }))

    for (const [what, transactionId] of [["an escape", "ch_\u001b[31m1"], ["nothing", ""], ["201 characters", "c".repeat(201)]] as const) {
      it(`an approved charge whose transaction id holds ${what}: succeeded under a stand-in id, once, its event encodes`, () =>
        Effect.gen(function* () {
          const { events, logged, payment } = yield* paidThrough({ _tag: "Approved", transactionId })
          expect(payment.status).toBe("succeeded")
          expect(payment.transactionId).toMatch(/^gateway_unreadable_[0-9a-f]{24}$/)
          expect(events.map((event) => [event.data.status, event.data.transactionId])).toEqual([["succeeded", payment.transactionId]])
          expect(() => Catalogue.encodeJson(events[0]!)).not.toThrow()
          expect(logged.find((message) => message.includes("transaction id"))).toContain(payment.transactionId!)
        }))
    }

    it("a refund whose transaction id holds a NUL: refunded under a stand-in id, payment.refunded published once", () =>
      Effect.gen(function* () {
        const { logged, refunded, refunds } = yield* paidThrough({ _tag: "Approved", transactionId: "ch_1" }, "re_\u00001")
        expect(refunds.map((refund) => refund.status)).toEqual(["succeeded"])
        expect(refunds[0]!.transactionId).toMatch(/^gateway_unreadable_[0-9a-f]{24}$/)
        expect(refunded).toHaveLength(1)
        expect(logged.find((message) => message.includes("refund transaction id"))).toContain("re_\\u00001")
      }))
  })

suite("in memory", () => Effect.succeed(InMemoryPaymentRepository.layer))

RealServer.describeWith("DATABASE_URL", "payment on PostgreSQL", (url) => {
  suite("PostgreSQL", () =>
    Effect.map(freshDatabase(url), (database) =>
      PostgresPaymentRepository.layer.pipe(Layer.provideMerge(PostgresStore.layer(Redacted.make(database), { applicationName: "payment" })))))
})
