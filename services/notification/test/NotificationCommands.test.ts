/**
 * What each message causes (template, channel, recipient), sending each once per cause however
 * often and however concurrently the message is handled, the contact remembered from
 * booking.created for the payment events, failed deliveries recorded with their attempts, and the
 * service on a bus: a redelivered booking.created notifies once.
 */
import { TestIssuer } from "@flight/auth/testing"
import { MessageBus } from "@flight/bus"
import { TestBus } from "@flight/bus/testing"
import {
  BookingId,
  BookingReference,
  type Contact,
  Envelope,
  FlightId,
  Messages,
  PaymentId,
  RefundId,
  SeatNumber,
} from "@flight/contracts"
import { StoreHealthLayer } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Context, DateTime, Duration, Effect, Exit, Fiber, Layer, Logger, Option, Schedule, type Scope, TestClock, TestContext } from "effect"
import { claimLease, ContactUnknown, NotificationCommands } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { DeliveryFailed, keyOf, NotificationChannel, NotificationStore } from "../src/domain/Notification.ts"
import * as InMemoryNotificationStore from "../src/infrastructure/InMemoryNotificationStore.ts"
import { make, serviceLayer } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const email = "ada@example.com"
const phone = "+447700900123"

// -------------------------------------------------------------------------------------------------
// Messages

/** A booking of seats 12A and 12B as the booking events carry it. */
const booking = (contact: Contact = { email, phone }) => ({
  bookingId: BookingId.make(Bun.randomUUIDv7()),
  reference: BookingReference.make("X7K2QP"),
  flightId: FlightId.make(Bun.randomUUIDv7()),
  cabin: "economy" as const,
  seats: [SeatNumber.make("12A"), SeatNumber.make("12B")] as const,
  contact,
})
type Booking = ReturnType<typeof booking>

const bookingCreated = (b: Booking) =>
  Envelope.make(Messages.BookingCreated, {
    ...b,
    passengers: [
      { firstName: "Ada", lastName: "Lovelace", seat: b.seats[0] },
      { firstName: "Charles", lastName: "Babbage", seat: b.seats[1] },
    ] as never,
    total: { amount: 90_000, currency: "GBP" },
    holdExpiresAt: DateTime.unsafeMake("2026-11-26T12:15:00Z"),
  }, { source: "booking" })

const bookingConfirmed = (b: Booking) =>
  Envelope.make(Messages.BookingConfirmed, { ...b, paymentId: PaymentId.make(Bun.randomUUIDv7()) }, { source: "booking" })

const bookingCancelled = (b: Booking, reason: "customer" | "expired" | "flight-cancelled", paid: boolean) =>
  Envelope.make(Messages.BookingCancelled, { ...b, reason, paid }, { source: "booking" })

const paymentProcessed = (b: Booking, status: "succeeded" | "failed", failureReason: string | null = null) =>
  Envelope.make(Messages.PaymentProcessed, {
    paymentId: PaymentId.make(Bun.randomUUIDv7()),
    bookingId: b.bookingId,
    status,
    amount: { amount: 90_000, currency: "GBP" },
    transactionId: status === "succeeded" ? "tx_1" : null,
    failureReason,
  }, { source: "payment" })

const paymentRefunded = (b: Booking) =>
  Envelope.make(Messages.PaymentRefunded, {
    paymentId: PaymentId.make(Bun.randomUUIDv7()),
    bookingId: b.bookingId,
    refundId: RefundId.make(Bun.randomUUIDv7()),
    amount: { amount: 90_000, currency: "GBP" },
  }, { source: "payment" })

const sendNotification = (template: string, data: Record<string, string | number | boolean | null>) =>
  Envelope.make(Messages.SendNotification, { channel: "email" as const, recipient: email, template, data }, { source: "booking" })

// -------------------------------------------------------------------------------------------------
// Reading the results

/** The history of a booking, oldest first. */
const historyOf = (bookingId: BookingId) =>
  Effect.flatMap(NotificationStore, (store) =>
    Effect.map(
      store.history({ bookingId: Option.some(bookingId), recipient: Option.none(), limit: 100, offset: 0 }),
      (page) => page.items,
    ))

/** The whole history, oldest first. */
const everything = Effect.flatMap(NotificationStore, (store) =>
  Effect.map(store.history({ bookingId: Option.none(), recipient: Option.none(), limit: 100, offset: 0 }), (page) => page.items))

const handle = (message: Parameters<NotificationCommands["handle"]>[0]) =>
  Effect.flatMap(NotificationCommands, (commands) => commands.handle(message))

/** Who got which template on which channel, by channel. */
const summary = (items: ReadonlyArray<{ readonly channel: string; readonly recipient: string; readonly template: string }>) =>
  items.map(({ channel, recipient, template }) => ({ channel, recipient, template })).toSorted((a, b) => a.channel.localeCompare(b.channel))

const toBoth = (template: string) => [
  { channel: "email", recipient: email, template },
  { channel: "sms", recipient: phone, template },
]

const commandsTest = <A, E>(name: string, body: () => Effect.Effect<A, E, NotificationCommands | NotificationStore>) =>
  EffectTest.effect(name, body, { layer: Layer.merge(serviceLayer(), quiet) })

// -------------------------------------------------------------------------------------------------

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

  commandsTest("payment.processed failed after booking.created: payment-failed to the remembered contact, with the reason", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingCreated(b))
      const failed = yield* paymentProcessed(b, "failed", "card declined")
      yield* handle(failed)
      const items = (yield* historyOf(b.bookingId)).filter((item) => item.causeId === failed.id)
      expect(summary(items)).toEqual(toBoth("payment-failed"))
      for (const item of items) {
        expect(item.status).toBe("sent")
        expect(item.subject).toContain("X7K2QP")
        expect(item.body).toContain("card declined")
      }
    }))

  commandsTest("payment.processed succeeded: nothing", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingCreated(b))
      const succeeded = yield* paymentProcessed(b, "succeeded")
      yield* handle(succeeded)
      const items = yield* historyOf(b.bookingId)
      expect(items).toHaveLength(2)
      expect(items.filter((item) => item.causeId === succeeded.id)).toEqual([])
    }))

  commandsTest("payment.processed succeeded for a booking never seen: nothing, and no failure", () =>
    Effect.gen(function* () {
      yield* handle(yield* paymentProcessed(booking(), "succeeded"))
      expect(yield* everything).toEqual([])
    }))

  commandsTest("payment.refunded: refund-issued with the amount formatted", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingCreated(b))
      const refunded = yield* paymentRefunded(b)
      yield* handle(refunded)
      const items = (yield* historyOf(b.bookingId)).filter((item) => item.causeId === refunded.id)
      expect(summary(items)).toEqual(toBoth("refund-issued"))
      for (const item of items) {
        expect(item.status).toBe("sent")
        expect(item.subject).toBe("Refund for booking X7K2QP")
        expect(item.body).toContain("£900.00")
      }
    }))

  commandsTest("payment.processed failed for a booking never seen: ContactUnknown, transient, and nothing recorded", () =>
    Effect.gen(function* () {
      const b = booking()
      const error = yield* Effect.flip(handle(yield* paymentProcessed(b, "failed", "card declined")))
      expect(error).toBeInstanceOf(ContactUnknown)
      expect(error).toMatchObject({ _tag: "ContactUnknown", bookingId: b.bookingId })
      expect(NotificationEvents.policy.isTransient(error)).toBe(true)
      expect(yield* everything).toEqual([])
    }))

  commandsTest("payment.refunded for a booking never seen: ContactUnknown, transient", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* paymentRefunded(booking())))
      expect(error._tag).toBe("ContactUnknown")
      expect(NotificationEvents.policy.isTransient(error)).toBe(true)
    }))

  commandsTest("payment.processed failed that arrived before booking.created succeeds once the contact is known (as a retry would)", () =>
    Effect.gen(function* () {
      const b = booking()
      const failed = yield* paymentProcessed(b, "failed", "card declined")
      expect((yield* Effect.flip(handle(failed)))._tag).toBe("ContactUnknown")
      yield* handle(yield* bookingCreated(b))
      yield* handle(failed)
      expect(summary((yield* historyOf(b.bookingId)).filter((item) => item.causeId === failed.id))).toEqual(toBoth("payment-failed"))
    }))

  commandsTest("notification.send: the template to the recipient on the channel, with the booking of its data", () =>
    Effect.gen(function* () {
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A", bookingId })
      yield* handle(message)
      const items = yield* historyOf(bookingId)
      expect(items).toHaveLength(1)
      expect(items[0]).toMatchObject({
        causeId: message.id,
        channel: "email",
        recipient: email,
        template: "booking-confirmed",
        status: "sent",
        deliveredBy: "recorded",
      })
    }))

  commandsTest("notification.send with an unknown template: TemplateUnknown, not transient, nothing recorded", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* sendNotification("no-such-template", { reference: "X7K2QP" })))
      expect(error).toMatchObject({ _tag: "TemplateUnknown", template: "no-such-template" })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
      expect(yield* everything).toEqual([])
    }))

  commandsTest("notification.send missing a template's data: TemplateDataMissing, not transient", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* sendNotification("booking-confirmed", { reference: "X7K2QP" })))
      expect(error).toMatchObject({ _tag: "TemplateDataMissing", template: "booking-confirmed", fields: ["seats"] })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
    }))

  commandsTest("notification.send whose data names a bookingId that is not one: sent, linked to no booking", () =>
    Effect.gen(function* () {
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A", bookingId: "not-a-booking" })
      yield* handle(message)
      expect((yield* everything).map((item) => [item.causeId, item.status, item.bookingId])).toEqual([[message.id, "sent", null]])
    }))

  commandsTest("notification.send to a recipient that does not fit its channel: RecipientInvalid, not transient, nothing sent", () =>
    Effect.gen(function* () {
      for (const [channel, recipient] of [["email", "a@example.com, b@example.org"], ["sms", "ada@example.com"], ["push", "a token"]] as const) {
        const message = yield* Envelope.make(
          Messages.SendNotification,
          { channel, recipient, template: "booking-confirmed", data: { reference: "X7K2QP", seats: "12A" } },
          { source: "booking" },
        )
        const error = yield* Effect.flip(handle(message))
        expect(error).toMatchObject({ _tag: "RecipientInvalid", channel, recipient })
        expect(NotificationEvents.policy.isTransient(error)).toBe(false)
      }
      expect(yield* everything).toEqual([])
    }))

  commandsTest("notification.send whose data carries a control character: TemplateDataInvalid naming the field, not transient, nothing sent", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* sendNotification("booking-confirmed", { reference: "X7K\u0000QP", seats: "12A" })))
      expect(error).toMatchObject({ _tag: "TemplateDataInvalid", template: "booking-confirmed", fields: ["reference"] })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
      expect(yield* everything).toEqual([])
    }))

  commandsTest("messages the service does not act on cause nothing", () =>
    Effect.gen(function* () {
      const scheduled = yield* Envelope.make(Messages.FlightScheduled, {
        flightId: FlightId.make(Bun.randomUUIDv7()),
        flightNumber: "BA117" as never,
        origin: "LHR" as never,
        destination: "JFK" as never,
        departureAt: DateTime.unsafeMake("2026-12-01T10:00:00Z"),
        arrivalAt: DateTime.unsafeMake("2026-12-01T18:00:00Z"),
        aircraft: "Boeing 777",
        cabins: [{ cabin: "economy", rows: { from: 10, to: 13 }, seatLetters: "ABCDEF", fare: { amount: 45000, currency: "GBP" } }],
      }, { source: "flight" })
      yield* handle(scheduled)
      expect(yield* everything).toEqual([])
    }))
})

// -------------------------------------------------------------------------------------------------
// A channel that fails

describe("a failing channel", () => {
  /** The service's layer with a channel that fails transiently `failures` times, then delivers. */
  const flakyLayer = (failures: number) => {
    let calls = 0
    const flaky: NotificationChannel["Type"] = {
      send: (message) =>
        Effect.suspend(() => {
          calls += 1
          return calls <= failures
            ? Effect.fail(new DeliveryFailed({ channel: message.channel, reason: `down (${calls})`, transient: true }))
            : Effect.succeed({ deliveredBy: "flaky" })
        }),
    }
    return Layer.provideMerge(
      NotificationCommands.Default,
      Layer.mergeAll(InMemoryNotificationStore.layer, Layer.succeed(NotificationChannel, flaky), StoreHealthLayer.inMemory),
    )
  }

  EffectTest.effect("each failed delivery is recorded with its attempts, and the one that succeeds replaces it", () =>
    Effect.gen(function* () {
      const b = booking({ email })
      const message = yield* bookingCreated(b)

      const first = yield* Effect.flip(handle(message))
      expect(first).toBeInstanceOf(DeliveryFailed)
      expect(NotificationEvents.policy.isTransient(first)).toBe(true)
      const afterFirst = yield* historyOf(b.bookingId)
      expect(afterFirst).toHaveLength(1)
      expect(afterFirst[0]).toMatchObject({ status: "failed", attempts: 1, deliveredBy: null, error: "down (1)", sentAt: null })

      yield* Effect.flip(handle(message))
      const afterSecond = yield* historyOf(b.bookingId)
      expect(afterSecond).toHaveLength(1)
      expect(afterSecond[0]).toMatchObject({ id: afterFirst[0]?.id, status: "failed", attempts: 2, error: "down (2)" })

      yield* handle(message)
      const afterThird = yield* historyOf(b.bookingId)
      expect(afterThird).toHaveLength(1)
      expect(afterThird[0]).toMatchObject({ id: afterFirst[0]?.id, status: "sent", attempts: 3, deliveredBy: "flaky", error: null })
      expect(afterThird[0]?.sentAt).not.toBeNull()
      expect(afterThird[0]?.createdAt.epochMillis).toBe(afterFirst[0]?.createdAt.epochMillis)

      // Sent: handling it again changes nothing.
      yield* handle(message)
      expect((yield* historyOf(b.bookingId))[0]).toMatchObject({ status: "sent", attempts: 3 })
    }), { layer: Layer.merge(flakyLayer(2), quiet) })

  EffectTest.effect("a non-transient failure is not transient for the policy", () =>
    Effect.gen(function* () {
      const error = new DeliveryFailed({ channel: "email", reason: "mailbox does not exist", transient: false })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
    }))
})

// -------------------------------------------------------------------------------------------------
// Claims: two instances on one store, a slow channel, a sender that stopped (TestClock)

describe("a claim renewed while its holder sends (TestClock)", () => {
  /** A channel whose every send takes `takes`, counting the sends it began. */
  const slowChannel = (takes: Duration.DurationInput) => {
    const sends: Array<string> = []
    const channel: NotificationChannel["Type"] = {
      send: (message) =>
        Effect.suspend(() => {
          sends.push(`${message.channel} ${message.recipient} ${message.subject}`)
          return Effect.as(Effect.sleep(takes), { deliveredBy: "slow" })
        }),
    }
    return { channel, sends }
  }

  /** An instance of the service's commands on the store in context, with a channel of its own. */
  const instance = (channel: NotificationChannel["Type"]) =>
    Effect.flatMap(NotificationStore, (store) =>
      Layer.build(NotificationCommands.Default.pipe(
        Layer.provide(Layer.mergeAll(Layer.succeed(NotificationStore, store), Layer.succeed(NotificationChannel, channel))),
      ))).pipe(Effect.map(Context.get(NotificationCommands)))

  /** Handled as the consumer does: retried in place while transient (held by another sender). */
  const consumed = (commands: NotificationCommands, message: Parameters<NotificationCommands["handle"]>[0]) =>
    commands.handle(message).pipe(Effect.retry({ schedule: NotificationEvents.deliveryRetry, while: NotificationEvents.policy.isTransient }))

  /** Moves the TestClock on in steps, so that every fiber runs at each instant it waits for. */
  const advance = (by: Duration.DurationInput, step: Duration.DurationInput = "100 millis") =>
    Effect.forEach(Array.from({ length: Math.ceil(Duration.toMillis(by) / Duration.toMillis(step)) }), () => TestClock.adjust(step), {
      discard: true,
    })

  const clockTest = <A, E>(name: string, body: () => Effect.Effect<A, E, NotificationStore | Scope.Scope>) =>
    EffectTest.effect(name, () => Effect.scoped(body()).pipe(Effect.provide(TestContext.TestContext)), {
      layer: Layer.merge(InMemoryNotificationStore.layer, quiet),
    })

  clockTest("a send slower than many leases (a slow SMTP server, 150 s) is not sent again by a second instance handling the same message", () =>
    Effect.gen(function* () {
      const slow = slowChannel("150 seconds")
      const [first, second] = [yield* instance(slow.channel), yield* instance(slow.channel)]
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A" })
      // Daemons: a handling is uninterruptible, and one left waiting must not hold up a failed test.
      const one = yield* Effect.forkDaemon(consumed(first, message))
      yield* advance("1 second")
      const other = yield* Effect.forkDaemon(consumed(second, message))
      yield* advance("160 seconds", "20 seconds")
      expect(slow.sends).toHaveLength(1)
      // Both handlings are over: the first sent it, the second found it sent.
      expect([yield* Fiber.poll(one), yield* Fiber.poll(other)].map(Option.map(Exit.isSuccess))).toEqual([Option.some(true), Option.some(true)])
      expect((yield* everything).map((item) => [item.causeId, item.status, item.attempts])).toEqual([[message.id, "sent", 1]])
    }))

  clockTest("a notification claimed by a sender that stopped (claimed, never recorded) is sent once, by another instance, within 5 s", () =>
    Effect.gen(function* () {
      const store = yield* NotificationStore
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A" })
      const key = keyOf({ causeId: message.id, channel: "email", recipient: email, template: "booking-confirmed" })
      expect((yield* store.claim(key, "stopped-instance", claimLease))._tag).toBe("Claimed")
      const fast = slowChannel("10 millis")
      const handling = yield* Effect.forkDaemon(consumed(yield* instance(fast.channel), message))
      // Held while the stopped sender's lease runs...
      yield* advance(Duration.subtract(claimLease, "100 millis"), "1 second")
      expect(fast.sends).toEqual([])
      // ...and taken over once it ran out.
      yield* advance(Duration.subtract("5 seconds", Duration.subtract(claimLease, "100 millis")), "1 second")
      expect(Option.isSome(yield* Fiber.poll(handling))).toBe(true)
      expect(fast.sends).toHaveLength(1)
      expect((yield* everything).map((item) => [item.causeId, item.status, item.attempts])).toEqual([[message.id, "sent", 1]])
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
