/** Idempotency-Keys are kept 25 hours, then forgotten by the purge that runs every hour (on TestClock). */
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { DateTime, Effect, Logger, Option, TestClock, TestContext } from "effect"
import * as KeyRetention from "../src/application/KeyRetention.ts"
import { NotificationStore } from "../src/domain/Notification.ts"
import * as InMemoryNotificationStore from "../src/infrastructure/InMemoryNotificationStore.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

EffectTest.effect("a key is answered for 24 hours and more, and forgotten within the hour after its 25", () =>
  Effect.gen(function* () {
    const store = yield* NotificationStore
    const request = (command: string) =>
      Effect.flatMap(DateTime.now, (now) => store.keyCommand({ key: "send-1", fingerprint: "fp", command, at: now }))
    expect(yield* request("first")).toEqual(Option.none())
    yield* KeyRetention.startKeyPurge
    yield* TestClock.adjust("24 hours")
    expect(Option.map(yield* request("second"), (first) => first.command)).toEqual(Option.some("first"))
    yield* TestClock.adjust("1 hour")
    expect(Option.map(yield* request("second"), (first) => first.command)).toEqual(Option.some("first"))
    yield* TestClock.adjust("1 hour")
    expect(yield* request("second")).toEqual(Option.none())
  }).pipe(Effect.provide(InMemoryNotificationStore.layer), Effect.provide(TestContext.TestContext)), { layer: quiet })
