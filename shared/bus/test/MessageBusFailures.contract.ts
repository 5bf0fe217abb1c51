/**
 * The MessageBus contract, failures: a transient one retried in place, retries exhausted and a
 * permanent failure dead-lettered saying why, and messages that cannot be decoded (not JSON, an
 * unknown version, a wrong field, a control character in free text) dead-lettered at once, the
 * next message still handled.
 */
import { Catalogue } from "@flight/contracts"
import { expect, test } from "bun:test"
import { Deferred, Effect, Ref } from "effect"
import { fast, Flaky, run } from "./support/ContractKit.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { type Adapter, eventually } from "./support/Harness.ts"

/** Registers this part of the contract for `adapter`. */
export const suite = (adapter: Adapter) => {
  test("retries a transient failure in place, then succeeds without dead-lettering", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const attempts = yield* Ref.make(0)
      const done = yield* Deferred.make<number>()
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": () =>
            Ref.updateAndGet(attempts, (n) => n + 1).pipe(
              Effect.flatMap((n) => (n < 3 ? Effect.fail(new Flaky({ transient: true })) : Deferred.succeed(done, n))),
            ),
        },
        policy: fast,
      })
      yield* bus.publish(yield* Fixtures.flightScheduled())
      expect(yield* Deferred.await(done)).toBe(3)
      yield* Effect.sleep("200 millis")
      expect(yield* Ref.get(attempts)).toBe(3)
      expect(yield* deadLetters.list("booking")).toEqual([])
    })))

  test("dead-letters a message whose retries are exhausted, saying why, and goes on", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const attempts = yield* Ref.make(0)
      const handled = yield* Ref.make<Array<string>>([])
      const failing = yield* Fixtures.flightScheduled("failing")
      const fine = yield* Fixtures.flightScheduled("fine")
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": (message) =>
            message.data.aircraft === "failing"
              ? Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.fail(new Flaky({ transient: true })))
              : Ref.update(handled, (ids) => [...ids, message.id]),
        },
        policy: fast,
      })
      yield* bus.publish(failing)
      yield* bus.publish(fine)
      yield* eventually("a dead letter", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 1))
      const [letter] = yield* deadLetters.list("booking")
      expect(letter!.reason).toBe("retries-exhausted")
      expect(letter!.id).toBe(failing.id)
      expect(letter!.messageType).toBe("flight.scheduled")
      expect(letter!.attempts).toBe(4)
      expect(letter!.detail).toContain("Flaky")
      expect(yield* Ref.get(attempts)).toBe(4)
      yield* eventually("the next message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(fine.id)))
    })))

  test("dead-letters a permanent failure at once, without retrying", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const attempts = yield* Ref.make(0)
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": () => Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.fail(new Flaky({ transient: false }))) },
        policy: fast,
      })
      yield* bus.publish(yield* Fixtures.flightScheduled())
      yield* eventually("a dead letter", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 1))
      expect((yield* deadLetters.list("booking"))[0]!.reason).toBe("rejected")
      expect(yield* Ref.get(attempts)).toBe(1)
    })))

  test("dead-letters undecodable and unknown-version messages at once; the next message is still handled", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters, sendRaw } = yield* adapter.make()
      const handled = yield* Ref.make<Array<string>>([])
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": (message) => Ref.update(handled, (ids) => [...ids, message.id]) },
        policy: fast,
      })
      yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode("{not json"))
      const valid = yield* Fixtures.flightScheduled()
      const future = { ...JSON.parse(Catalogue.encodeJson(valid)), version: 99 }
      yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode(JSON.stringify(future)))
      const wrongField = { ...JSON.parse(Catalogue.encodeJson(valid)), data: { ...JSON.parse(Catalogue.encodeJson(valid)).data, origin: "london" } }
      yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode(JSON.stringify(wrongField)))
      const next = yield* Fixtures.flightScheduled()
      yield* bus.publish(next)
      yield* eventually("the next message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(next.id)))
      yield* eventually("three dead letters", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 3))
      const letters = yield* deadLetters.list("booking")
      expect(letters.map((letter) => letter.reason).toSorted()).toEqual(["undecodable", "undecodable", "unknown-version"])
      expect(letters.find((letter) => letter.detail.includes("data.origin"))).toBeDefined()
      expect(letters.every((letter) => letter.attempts === 0)).toBe(true)
      expect(yield* Ref.get(handled)).toEqual([next.id])
    })))

  test("dead-letters a message whose free text carries a control character, the detail naming the field; the next is handled", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters, sendRaw } = yield* adapter.make()
      const handled = yield* Ref.make<Array<string>>([])
      yield* bus.consume({
        service: "payment",
        handlers: { "booking.created": (message) => Ref.update(handled, (ids) => [...ids, message.id]) },
        policy: fast,
      })
      // As a producer that did not check its input would have sent it.
      const encoded = JSON.parse(Catalogue.encodeJson(yield* Fixtures.bookingCreated()))
      encoded.data.passengers[0].lastName = "Smi\u0000th"
      yield* sendRaw("events", "booking.created", new TextEncoder().encode(JSON.stringify(encoded)))
      const next = yield* Fixtures.bookingCreated()
      yield* bus.publish(next)
      yield* eventually("the next message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(next.id)))
      yield* eventually("a dead letter", Effect.map(deadLetters.list("payment"), (letters) => letters.length === 1))
      const [letter] = yield* deadLetters.list("payment")
      expect(letter!.reason).toBe("undecodable")
      expect(letter!.detail).toContain("data.passengers.0.lastName: must not contain control characters (U+0000 at 3)")
      expect(yield* Ref.get(handled)).toEqual([next.id])
    })))
}
