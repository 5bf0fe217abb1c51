/**
 * The notification store's claims, on both adapters (`StoreContract`): one sender at a time sends a
 * notification, a claim whose lease ran out is taken over, a holder that renews keeps it, and a
 * record ends it.
 */
import { describe, expect } from "bun:test"
import { Duration, Effect, Option } from "effect"
import { keyOf, NotificationStore } from "../src/domain/Notification.ts"
import { at, failed, notification, onEachStore, single } from "./support/StoreContract.ts"

onEachStore((it) => {
  describe("claims", () => {
    const lease = Duration.minutes(2)

    /** `slow` claims the notification for a moment, and once its lease ran out `next` takes it over. */
    const takenOver = (store: ReturnType<typeof single>, key: string) =>
      Effect.gen(function* () {
        expect((yield* store.claim(key, "slow", Duration.millis(1)))._tag).toBe("Claimed")
        yield* Effect.sleep("50 millis")
        expect((yield* store.claim(key, "next", lease))._tag).toBe("Claimed")
      })

    it("one holder at a time: another holder is held off, the holder itself may claim again", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = keyOf(notification())
        expect((yield* store.claim(key, "instance-a", lease))._tag).toBe("Claimed")
        expect((yield* store.claim(key, "instance-b", lease))._tag).toBe("Held")
        expect((yield* store.claim(key, "instance-a", lease))._tag).toBe("Claimed")
      }))

    it("20 holders claiming one notification at once: exactly one gets it", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = keyOf(notification())
        const answers = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, index) => `instance-${index}`),
          (holder) => store.claim(key, holder, lease),
          { concurrency: 20 },
        )
        expect(answers.filter((answer) => answer._tag === "Claimed")).toHaveLength(1)
        expect(answers.filter((answer) => answer._tag === "Held")).toHaveLength(19)
      }))

    it("a claim whose lease ran out (its holder stopped) can be taken by another", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = keyOf(notification())
        expect((yield* store.claim(key, "stopped", Duration.millis(1)))._tag).toBe("Claimed")
        yield* Effect.sleep("50 millis")
        expect((yield* store.claim(key, "instance-b", lease))._tag).toBe("Claimed")
      }))

    it("a holder whose lease ran out, recording late, does not end the claim of the holder after it", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const attempt = failed()
        const key = keyOf(attempt)
        yield* takenOver(store, key)
        yield* store.record(attempt, "slow")
        expect((yield* store.claim(key, "third", lease))._tag).toBe("Held")
      }))

    it("a holder that renews keeps its claim past its first lease against another claimer; once it stops, the other claims it a lease later", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = keyOf(notification())
        const short = Duration.millis(600)
        expect((yield* store.claim(key, "slow", short))._tag).toBe("Claimed")
        // Three leases, renewed every third of one, while another sender keeps asking.
        for (let round = 0; round < 9; round++) {
          yield* Effect.sleep("200 millis")
          expect(yield* store.renew(key, "slow", short)).toBe(true)
          expect((yield* store.claim(key, "other", short))._tag).toBe("Held")
        }
        const stopped = Date.now()
        let answer = yield* store.claim(key, "other", short)
        while (answer._tag === "Held") {
          yield* Effect.sleep("20 millis")
          answer = yield* store.claim(key, "other", short)
        }
        expect(answer).toEqual({ _tag: "Claimed", earlier: Option.none() })
        expect(Date.now() - stopped).toBeLessThan(600 + 300)
      }))

    it("a late renewal by a holder whose lease ran out does not take the claim back from the one after it", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = keyOf(notification())
        expect((yield* store.claim(key, "stalled", Duration.millis(1)))._tag).toBe("Claimed")
        yield* Effect.sleep("50 millis")
        expect((yield* store.claim(key, "next", lease))._tag).toBe("Claimed")
        expect(yield* store.renew(key, "stalled", lease)).toBe(false)
        expect((yield* store.claim(key, "stalled", Duration.millis(1)))._tag).toBe("Held")
        expect((yield* store.claim(key, "third", lease))._tag).toBe("Held")
        expect(yield* store.renew(key, "next", lease)).toBe(true)
      }))

    it("renewing a claim its holder ended by recording answers false and claims nothing", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const attempt = failed()
        const key = keyOf(attempt)
        expect(yield* store.renew(key, "nobody", lease)).toBe(false)
        expect((yield* store.claim(key, "instance-a", lease))._tag).toBe("Claimed")
        yield* store.record(attempt, "instance-a")
        expect(yield* store.renew(key, "instance-a", lease)).toBe(false)
        expect((yield* store.claim(key, "instance-b", lease))._tag).toBe("Claimed")
      }))

    it("recording a failed attempt ends the claim; recording it sent answers sent to every later claim", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const attempt = failed()
        const key = keyOf(attempt)
        expect(yield* store.claim(key, "instance-a", lease)).toEqual({ _tag: "Claimed", earlier: Option.none() })
        yield* store.record(attempt, "instance-a")
        // The next attempt learns of the failed one (its id, creation and attempts carry on).
        expect(yield* store.claim(key, "instance-b", lease)).toEqual({ _tag: "Claimed", earlier: Option.some(attempt) })
        yield* store.record(
          notification({ ...attempt, status: "sent", attempts: 2, deliveredBy: "smtp", error: null, sentAt: at("2026-11-26T10:05:00Z") }),
          "instance-b",
        )
        expect((yield* store.claim(key, "instance-a", lease))._tag).toBe("Sent")
        expect((yield* store.claim(key, "instance-b", lease))._tag).toBe("Sent")
      }))

    it("a failure recorded late, by a holder whose lease ran out, never replaces the notification another holder sent", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const attempt = failed()
        const key = keyOf(attempt)
        yield* takenOver(store, key)
        const sent = notification({ ...attempt, status: "sent", deliveredBy: "smtp", error: null, sentAt: at("2026-11-26T10:05:00Z") })
        yield* store.record(sent, "next")
        yield* store.record(attempt, "slow")
        expect((yield* store.claim(key, "third", lease))._tag).toBe("Sent")
      }))

    it("several notifications claimed in one step: each answered for itself, renewed and recorded together", () =>
      Effect.gen(function* () {
        const store = yield* NotificationStore
        const [sent, held, free, later] = [notification(), notification(), failed(), notification()]
        yield* store.record([sent], "earlier")
        expect((yield* store.claim([keyOf(held)], "another", lease)).get(keyOf(held))?._tag).toBe("Claimed")
        const keys = [sent, held, free, later].map(keyOf)
        const claims = yield* store.claim(keys, "instance-a", lease)
        expect(keys.map((key) => claims.get(key)?._tag)).toEqual(["Sent", "Held", "Claimed", "Claimed"])
        // Renewing answers the keys this holder holds, not those it was refused.
        expect([...(yield* store.renew(keys, "instance-a", lease))].toSorted()).toEqual([keyOf(free), keyOf(later)].toSorted())
        yield* store.record([free, later], "instance-a")
        expect((yield* store.renew(keys, "instance-a", lease)).size).toBe(0)
        const after = yield* store.claim(keys, "instance-b", lease)
        expect(keys.map((key) => after.get(key)?._tag)).toEqual(["Sent", "Held", "Claimed", "Sent"])
        expect(after.get(keyOf(free))).toEqual({ _tag: "Claimed", earlier: Option.some(free) })
      }))

    it("20 holders claiming the same notifications at once, in different orders: each notification goes to exactly one", () =>
      Effect.gen(function* () {
        const store = yield* NotificationStore
        const keys = Array.from({ length: 3 }, () => keyOf(notification()))
        const answers = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, index) => `instance-${index}`),
          (holder, index) => store.claim(index % 2 === 0 ? keys : keys.toReversed(), holder, lease),
          { concurrency: 20 },
        )
        for (const key of keys) {
          expect(answers.filter((claims) => claims.get(key)?._tag === "Claimed")).toHaveLength(1)
          expect(answers.filter((claims) => claims.get(key)?._tag === "Held")).toHaveLength(19)
        }
      }))
  })
})
