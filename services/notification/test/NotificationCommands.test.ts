/**
 * What each booking event causes (template, channel, recipient), sending each once per cause
 * however often and however concurrently the message is handled, the messages the service does not
 * act on, and the service on a bus: a redelivered booking.created notifies once. The payment events
 * are NotificationPaymentEvents.test.ts's, the `notification.send` command
 * NotificationSendCommand.test.ts's, failed and slow deliveries NotificationDelivery.test.ts's.
 */
import { TestIssuer } from "@flight/auth/testing"
import { MessageBus } from "@flight/bus"
import { TestBus } from "@flight/bus/testing"
import { EffectTest, SampleFlight } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect, Schedule } from "effect"
import { make } from "../src/main.ts"
import { commandsTest, everything, handle, historyOf, quiet, summary, toBoth } from "./support/Handling.ts"
import { booking, bookingCancelled, bookingConfirmed, bookingCreated, email } from "./support/Messages.ts"

describe("NotificationCommands.handle", () => {
  commandsTest("booking.created with email and phone: booking-received by email (recorded) and by SMS (logged), sent once each", () =>
    Effect.gen(function* () {
      const b = booking()
      const message = yield* bookingCreated(b)
      yield* handle(message)
      const items = yield* historyOf(b.bookingId)
      expect(summary(items)).toEqual(toBoth("booking-received"))
      for (const item of items) {
        expect(item).toMatchObject({
          causeId: message.id,
          bookingId: b.bookingId,
          status: "sent",
          attempts: 1,
          error: null,
          subject: "Booking X7K2QP received",
        })
        expect(item.sentAt).not.toBeNull()
        expect(item.body).toContain("12A, 12B")
        expect(item.body).toContain("£900.00")
        expect(item.body).toContain("2026-11-26T12:15:00")
      }
      expect(items.find((item) => item.channel === "email")?.deliveredBy).toBe("recorded")
      expect(items.find((item) => item.channel === "sms")?.deliveredBy).toBe("log")
    }))

  commandsTest("booking.created without a phone: email only", () =>
    Effect.gen(function* () {
      const b = booking({ email })
      yield* handle(yield* bookingCreated(b))
      expect(summary(yield* historyOf(b.bookingId))).toEqual([{ channel: "email", recipient: email, template: "booking-received" }])
    }))

  commandsTest("the same message handled twice, one after the other, sends nothing again", () =>
    Effect.gen(function* () {
      const b = booking()
      const message = yield* bookingCreated(b)
      yield* handle(message)
      const first = yield* historyOf(b.bookingId)
      yield* handle(message)
      const second = yield* historyOf(b.bookingId)
      expect(second).toHaveLength(2)
      expect(second.map((item) => [item.id, item.attempts])).toEqual(first.map((item) => [item.id, item.attempts]))
    }))

  commandsTest("the same message handled twice at once sends each notification once", () =>
    Effect.gen(function* () {
      const b = booking()
      const message = yield* bookingCreated(b)
      yield* Effect.all([handle(message), handle(message), handle(message)], { concurrency: "unbounded" })
      const items = yield* historyOf(b.bookingId)
      expect(summary(items)).toEqual(toBoth("booking-received"))
      for (const item of items) expect(item.attempts).toBe(1)
    }))

  commandsTest("two messages of the same kind for the same booking are two causes: each notifies", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingConfirmed(b))
      yield* handle(yield* bookingConfirmed(b))
      expect(yield* historyOf(b.bookingId)).toHaveLength(4)
    }))

  commandsTest("booking.confirmed: booking-confirmed to the contact of the event", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingConfirmed(b))
      const items = yield* historyOf(b.bookingId)
      expect(summary(items)).toEqual(toBoth("booking-confirmed"))
      for (const item of items) {
        expect(item.status).toBe("sent")
        expect(item.subject).toBe("Booking X7K2QP confirmed")
        expect(item.body).toContain("12A, 12B")
      }
    }))

  for (
    const [reason, template] of [
      ["expired", "booking-expired"],
      ["flight-cancelled", "flight-cancelled"],
      ["customer", "booking-cancelled"],
    ] as const
  ) {
    commandsTest(`booking.cancelled for reason ${reason}: ${template}`, () =>
      Effect.gen(function* () {
        const b = booking()
        yield* handle(yield* bookingCancelled(b, reason, false))
        const items = yield* historyOf(b.bookingId)
        expect(summary(items)).toEqual(toBoth(template))
        for (const item of items) expect(item.status).toBe("sent")
      }))
  }

  commandsTest("booking.cancelled by the customer after paying says the payment is refunded; unpaid, that nothing was charged", () =>
    Effect.gen(function* () {
      const paid = booking({ email })
      yield* handle(yield* bookingCancelled(paid, "customer", true))
      expect((yield* historyOf(paid.bookingId))[0]?.body).toContain("refunded in full")
      const unpaid = booking({ email })
      yield* handle(yield* bookingCancelled(unpaid, "customer", false))
      expect((yield* historyOf(unpaid.bookingId))[0]?.body).toContain("Nothing was charged")
    }))

  commandsTest("messages the service does not act on cause nothing", () =>
    Effect.gen(function* () {
      yield* handle(yield* SampleFlight.scheduled([SampleFlight.economy({ from: 10, to: 13 })]))
      expect(yield* everything).toEqual([])
    }))
})

// -------------------------------------------------------------------------------------------------
// On a bus

describe("the service on an in-process bus", () => {
  const eventually = <A, E, R>(what: string, check: Effect.Effect<A, E, R>, until: (a: A) => boolean) =>
    check.pipe(
      Effect.filterOrFail(until, () => new Error(`never happened: ${what}`)),
      Effect.retry(Schedule.spaced("25 millis").pipe(Schedule.upTo("5 seconds"))),
    )

  EffectTest.effect("booking.created published twice (the same message) notifies once per channel", () =>
    Effect.gen(function* () {
      const context = yield* TestBus.inProcess.make
      const bus = yield* Effect.provide(MessageBus, context)
      const issuer = yield* TestIssuer.make()
      const service = yield* make({ port: 0, auth: issuer.settings }).pipe(Effect.provide(context))
      const b = booking()
      const message = yield* bookingCreated(b)
      yield* bus.publish(message)
      yield* bus.publish(message)
      // Read as the booking's guest would, with the token booking gave it.
      const guest = { authorization: `Bearer ${yield* issuer.guest(b.bookingId)}` }
      const history = Effect.promise(() =>
        fetch(new URL(`/api/notifications?${new URLSearchParams({ bookingId: b.bookingId })}`, service.url), { headers: guest })
          .then((response) => response.json() as Promise<{ items: Array<{ channel: string; template: string; status: string }> }>)
      )
      const first = yield* eventually("both notifications are in the history", history, (page) => page.items.length >= 2)
      expect(first.items).toHaveLength(2)
      yield* Effect.sleep(Duration.millis(300))
      const later = yield* history
      expect(later.items).toHaveLength(2)
      expect(later.items.map((item) => item.channel).toSorted()).toEqual(["email", "sms"])
      for (const item of later.items) expect(item).toMatchObject({ template: "booking-received", status: "sent" })
    }), { layer: quiet, timeout: 15_000 })
})
