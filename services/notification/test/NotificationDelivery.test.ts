/**
 * Delivering a notification: each failed attempt recorded with its attempts until one succeeds,
 * and the claims that keep two instances from sending one notification twice — renewed while a
 * slow channel sends, taken over once a stopped sender's lease runs out (on the TestClock).
 */
import { EffectTest } from "@flight/runtime/testing"
import { StoreHealthLayer } from "@flight/runtime"
import { describe, expect } from "bun:test"
import { Cause, Context, Duration, Effect, Exit, Fiber, Layer, Option, type Scope, TestClock, TestContext } from "effect"
import { claimLease, NotificationCommands, NotificationInProgress } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { DeliveryFailed, keyOf, NotificationChannel, NotificationStore, NotificationStoreError } from "../src/domain/Notification.ts"
import * as InMemoryNotificationStore from "../src/infrastructure/InMemoryNotificationStore.ts"
import { everything, handle, historyOf, quiet } from "./support/Handling.ts"
import { booking, bookingCreated, email, sendNotification } from "./support/Messages.ts"
import { slowChannel } from "./support/SlowChannel.ts"

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

  /** The service's layer with a channel whose email fails (transiently) and whose SMS delivers. */
  const emailDownLayer = Layer.provideMerge(
    NotificationCommands.Default,
    Layer.mergeAll(
      InMemoryNotificationStore.layer,
      Layer.succeed(NotificationChannel, {
        send: (message) =>
          message.channel === "email"
            ? Effect.fail(new DeliveryFailed({ channel: "email", reason: "SMTP down", transient: true }))
            : Effect.succeed({ deliveredBy: "sms-gateway" }),
      }),
      StoreHealthLayer.inMemory,
    ),
  )

  EffectTest.effect("an email that fails does not hold back the SMS of the same event: the SMS is sent once, the email recorded failed and tried again", () =>
    Effect.gen(function* () {
      const b = booking()
      const message = yield* bookingCreated(b)
      expect(yield* Effect.flip(handle(message))).toBeInstanceOf(DeliveryFailed)
      const status = (items: ReadonlyArray<{ readonly channel: string; readonly status: string; readonly attempts: number }>) =>
        items.map((item) => `${item.channel} ${item.status} ${item.attempts}`).toSorted()
      expect(status(yield* historyOf(b.bookingId))).toEqual(["email failed 1", "sms sent 1"])
      expect(yield* Effect.flip(handle(message))).toBeInstanceOf(DeliveryFailed)
      expect(status(yield* historyOf(b.bookingId))).toEqual(["email failed 2", "sms sent 1"])
    }), { layer: Layer.merge(emailDownLayer, quiet) })

  EffectTest.effect("an email that cannot be delivered (no such mailbox) and an SMS that failed for now: the handling is retried for the SMS, and gives up once only the email is left", () =>
    Effect.gen(function* () {
      let smsFailures = 1
      const commands = yield* Effect.map(Layer.build(NotificationCommands.Default.pipe(Layer.provide(Layer.mergeAll(
        InMemoryNotificationStore.layer,
        Layer.succeed(NotificationChannel, {
          send: (message) =>
            message.channel === "email"
              ? Effect.fail(new DeliveryFailed({ channel: "email", reason: "mailbox does not exist", transient: false }))
              : smsFailures-- > 0
              ? Effect.fail(new DeliveryFailed({ channel: "sms", reason: "gateway busy", transient: true }))
              : Effect.succeed({ deliveredBy: "sms-gateway" }),
        }),
      )))), Context.get(NotificationCommands))
      const message = yield* bookingCreated(booking())
      const first = yield* Effect.flip(commands.handle(message))
      expect([first instanceof DeliveryFailed && first.channel, NotificationEvents.policy.isTransient(first)]).toEqual(["sms", true])
      const second = yield* Effect.flip(commands.handle(message))
      expect([second instanceof DeliveryFailed && second.channel, NotificationEvents.policy.isTransient(second)]).toEqual(["email", false])
    }).pipe(Effect.scoped), { layer: quiet })

  EffectTest.effect("a notification another sender holds does not hold back the others of the event: they are sent, and the handling asks again", () =>
    Effect.gen(function* () {
      const b = booking()
      const message = yield* bookingCreated(b)
      const emailKey = keyOf({ causeId: message.id, channel: "email", recipient: email, template: "booking-received" })
      const store = yield* NotificationStore
      yield* store.claim([emailKey], "another-instance", claimLease)
      const refused = yield* Effect.flip(handle(message))
      expect(refused).toBeInstanceOf(NotificationInProgress)
      expect(NotificationEvents.policy.isTransient(refused)).toBe(true)
      expect((yield* historyOf(b.bookingId)).map((item) => `${item.channel} ${item.status}`)).toEqual(["sms sent"])
    }), { layer: Layer.merge(flakyLayer(0), quiet) })

  EffectTest.effect("a non-transient failure is not transient for the policy", () =>
    Effect.gen(function* () {
      const error = new DeliveryFailed({ channel: "email", reason: "mailbox does not exist", transient: false })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
    }))
})

// -------------------------------------------------------------------------------------------------
// Claims: two instances on one store, a slow channel, a sender that stopped (TestClock)

describe("a claim renewed while its holder sends (TestClock)", () => {

  /** An instance of the service's commands on the store in context, with a channel of its own. */
  const instance = (channel: NotificationChannel["Type"], on?: (store: NotificationStore["Type"]) => NotificationStore["Type"]) =>
    Effect.flatMap(NotificationStore, (store) =>
      Layer.build(NotificationCommands.Default.pipe(
        Layer.provide(Layer.mergeAll(Layer.succeed(NotificationStore, on?.(store) ?? store), Layer.succeed(NotificationChannel, channel))),
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

  clockTest("a claim lost while an earlier notification of the message went out (no renewal reached the store for a lease) is not sent: the sender that takes it over sends it once", () =>
    Effect.gen(function* () {
      const slow = slowChannel("5 seconds")
      // Its renewals never reach the store, as in an outage of the store's connection, lasting longer than a lease.
      const cut = yield* instance(slow.channel, (store) => ({
        ...store,
        renew: () => Effect.fail(new NotificationStoreError({ operation: "renew", reason: "connection refused" })),
      }))
      const message = yield* bookingCreated(booking())
      const handling = yield* Effect.forkDaemon(cut.handle(message))
      yield* advance("6 seconds", "1 second")
      const exit = Option.getOrThrow(yield* Fiber.poll(handling))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.map((error) => error._tag), Option.getOrNull)).toBe("NotificationInProgress")
      expect(slow.sends.map((send) => send.split(" ")[0])).toEqual(["email"])
      const fast = slowChannel("10 millis")
      yield* Effect.forkDaemon(consumed(yield* instance(fast.channel), message))
      yield* advance("2 seconds", "1 second")
      expect(fast.sends.map((send) => send.split(" ")[0])).toEqual(["sms"])
      expect((yield* everything).map((item) => `${item.channel} ${item.status} ${item.attempts}`).toSorted()).toEqual(["email sent 1", "sms sent 1"])
    }))

  clockTest("a notification claimed by a sender that stopped (claimed, never recorded) is sent once, by another instance, within 5 s", () =>
    Effect.gen(function* () {
      const store = yield* NotificationStore
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A" })
      const key = keyOf({ causeId: message.id, channel: "email", recipient: email, template: "booking-confirmed" })
      expect((yield* store.claim([key], "stopped-instance", claimLease)).get(key)?._tag).toBe("Claimed")
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
