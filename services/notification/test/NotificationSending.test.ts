/**
 * Sending a notification on request (`NotificationSending.send`) where no route test reaches: a
 * publish that failed once its command was recorded under its key, a recorded command this build
 * cannot read, a store that fails, and many requests under one key at once.
 */
import { InProcessBus, MessageBus, PublishError, withPublish } from "@flight/bus"
import { type AnyMessage, StoredMessage } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { DateTime, Effect, Layer, Option } from "effect"
import * as NotificationSending from "../src/application/NotificationSending.ts"
import { NotificationStore, NotificationStoreError } from "../src/domain/Notification.ts"
import * as InMemoryNotificationStore from "../src/infrastructure/InMemoryNotificationStore.ts"
import { quiet } from "./support/Handling.ts"

const body = {
  channel: "email",
  recipient: "ada@example.com",
  template: "booking-confirmed",
  data: { reference: "X7K2QP", seats: "12A" },
} as const

const keyed = (key: string) => Option.some({ key, fingerprint: `fingerprint of ${key}` })

/** Sending on `store` and a bus that records what it published, refusing the first `refusing` publishes. */
const sendingOn = (store: Layer.Layer<NotificationStore>, refusing = 0) =>
  Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const published: Array<AnyMessage> = []
    let refused = 0
    const recording = withPublish(bus, (message) =>
      Effect.suspend(() =>
        refused++ < refusing
          ? Effect.fail(new PublishError({ messageType: message.type, messageId: message.id, reason: "broker down" }))
          : Effect.zipRight(Effect.sync(() => published.push(StoredMessage.decodeSync(message))), bus.publish(message))
      ))
    const layer = Layer.merge(store, Layer.succeed(MessageBus, recording))
    const send = (request: ReturnType<typeof keyed>) => Effect.provide(NotificationSending.send(body, request), layer)
    const onStore = <A, E>(effect: Effect.Effect<A, E, NotificationStore>) => Effect.provide(effect, layer)
    return { send, onStore, published }
  })

/** A fresh in-memory store, shared by everything of one test. */
const inMemory = Effect.map(InMemoryNotificationStore.make, (store) => Layer.succeed(NotificationStore, store))

describe("NotificationSending.send", () => {
  EffectTest.effect("a publish that failed once its command was recorded: the same request again publishes that command, under its id, replayed", () =>
    Effect.gen(function* () {
      const { onStore, published, send } = yield* sendingOn(yield* inMemory, 1)
      const failed = yield* Effect.flip(send(keyed("send-1")))
      expect(failed._tag).toBe("PublishError")
      const again = yield* send(keyed("send-1"))
      expect(again.replayed).toBe(true)
      const recorded = yield* onStore(Effect.flatMap(NotificationStore, (store) => store.keyedCommand("send-1")))
      expect(Option.map(recorded, (first) => (JSON.parse(first.command) as { id: string }).id)).toEqual(Option.some(again.command.id))
      expect(published.map((message) => message.id)).toEqual([again.command.id])
    }), { layer: quiet })

  EffectTest.effect("a recorded command this build cannot read: a store error that retrying will not mend, and nothing published", () =>
    Effect.gen(function* () {
      const { onStore, published, send } = yield* sendingOn(yield* inMemory)
      yield* onStore(Effect.flatMap(NotificationStore, (store) =>
        Effect.flatMap(DateTime.now, (at) =>
          store.keyCommand({ key: "send-2", fingerprint: "fingerprint of send-2", command: "{\"type\":\"notification.send\"}", at }))))
      const failed = yield* Effect.flip(send(keyed("send-2")))
      expect(failed instanceof NotificationStoreError && [failed.operation, failed.transient]).toEqual(["key command", false])
      expect(published).toEqual([])
    }), { layer: quiet })

  EffectTest.effect("a store that fails: a transient store error under a key, with nothing published; without a key the command is sent all the same", () =>
    Effect.gen(function* () {
      const failing = Layer.effect(
        NotificationStore,
        Effect.map(InMemoryNotificationStore.make, (store): NotificationStore["Type"] => ({
          ...store,
          keyedCommand: () => Effect.fail(new NotificationStoreError({ operation: "keyed command", reason: "connection refused" })),
        })),
      )
      const { published, send } = yield* sendingOn(failing)
      const failed = yield* Effect.flip(send(keyed("send-3")))
      expect(failed instanceof NotificationStoreError && failed.transient).toBe(true)
      expect(published).toEqual([])
      const unkeyed = yield* send(Option.none())
      expect([unkeyed.replayed, published.map((message) => message.id)]).toEqual([false, [unkeyed.command.id]])
    }), { layer: quiet })

  EffectTest.effect("10 requests under one key at once: one command, each answered it, one of them first", () =>
    Effect.gen(function* () {
      const { published, send } = yield* sendingOn(yield* inMemory)
      const answers = yield* Effect.all(Array.from({ length: 10 }, () => send(keyed("send-4"))), { concurrency: 10 })
      expect(new Set(answers.map((answer) => answer.command.id)).size).toBe(1)
      expect(answers.filter((answer) => !answer.replayed)).toHaveLength(1)
      expect(new Set(published.map((message) => message.id))).toEqual(new Set([answers[0]!.command.id]))
    }), { layer: quiet })
})
