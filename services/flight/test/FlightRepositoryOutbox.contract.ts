/** FlightRepository contract: the outbox written with a flight's changes, claimed in order, leased to one relay at a time. */
import { Outbox } from "@flight/bus"
import { Catalogue, StoredMessage } from "@flight/contracts"
import { expect } from "bun:test"
import { Duration, Effect, Either, Option } from "effect"
import * as FlightCommands from "../src/application/FlightCommands.ts"
import * as Flight from "../src/domain/Flight.ts"
import { FlightRepository, type Outgoing } from "../src/domain/FlightRepository.ts"
import { type ContractTest, flightOf, now } from "./support/RepositoryContract.ts"

const scheduledEvent = (flight: Flight.Flight) =>
  Effect.map(
    FlightCommands.scheduledEvent(flight),
    (message): Outgoing => ({ message, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }),
  )

const lease = Duration.seconds(30)

export const outboxContract = (it: ContractTest) => {
  it("outbox: events written with a change are claimed in order, leased to one relay, and gone once completed", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const outbox = yield* Outbox.Store
      const flight = flightOf()
      const first = yield* scheduledEvent(flight)
      yield* repository.insert(flight, [first], Option.none())
      const second = yield* scheduledEvent(flight)
      const third = yield* scheduledEvent(flight)
      yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [second, third])
      expect((yield* outbox.stats).pending).toBe(3)

      const claimed = yield* outbox.claim({ owner: "relay-a", limit: 10, lease })
      expect(claimed.map((entry) => entry.id)).toEqual([first.message.id, second.message.id, third.message.id])
      expect(claimed[0]!.traceparent).toBe(first.traceparent)
      expect(Catalogue.encodeJson(StoredMessage.decodeSync(claimed[0]!.message))).toBe(Catalogue.encodeJson(first.message))
      // Leased: another relay finds nothing until the lease runs out.
      expect(yield* outbox.claim({ owner: "relay-b", limit: 10, lease })).toEqual([])

      yield* outbox.complete("relay-a", [first.message.id, second.message.id])
      expect((yield* outbox.stats).pending).toBe(1)
      yield* outbox.release("relay-a", [third.message.id])
      const again = yield* outbox.claim({ owner: "relay-b", limit: 10, lease })
      expect(again.map((entry) => entry.id)).toEqual([third.message.id])
      yield* outbox.complete("relay-b", [third.message.id])
      expect(yield* outbox.stats).toEqual({ pending: 0, oldestAgeMillis: null })
      expect(yield* outbox.claim({ owner: "relay-a", limit: 10, lease })).toEqual([])
    }))

  it("outbox: a relay whose lease ran out loses its entries to another, and its late completion removes nothing", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const outbox = yield* Outbox.Store
      const flight = flightOf()
      const event = yield* scheduledEvent(flight)
      yield* repository.insert(flight, [event], Option.none())
      expect(yield* outbox.claim({ owner: "slow", limit: 10, lease: Duration.millis(1) })).toHaveLength(1)
      yield* Effect.sleep("20 millis")
      expect((yield* outbox.claim({ owner: "fast", limit: 10, lease })).map((entry) => entry.id)).toEqual([event.message.id])
      yield* outbox.complete("slow", [event.message.id])
      expect((yield* outbox.stats).pending).toBe(1)
      yield* outbox.complete("fast", [event.message.id])
      expect((yield* outbox.stats).pending).toBe(0)
    }))

  it("outbox: events written while a relay completes others are all kept", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const outbox = yield* Outbox.Store
      let flight = flightOf()
      yield* repository.insert(flight, [], Option.none())
      const written: Array<string> = []
      const published: Array<string> = []
      const writer = Effect.gen(function* () {
        for (let index = 0; index < 20; index++) {
          const event = yield* scheduledEvent(flight)
          const next = Flight.updated(flight, { statusReason: `change ${index}` }, now)
          yield* repository.save(next, [], [event])
          flight = next
          written.push(event.message.id)
        }
      })
      const relay = Effect.gen(function* () {
        for (let pass = 0; pass < 200 && published.length < 20; pass++) {
          const claimed = yield* outbox.claim({ owner: "relay", limit: 5, lease })
          yield* outbox.complete("relay", claimed.map((entry) => entry.id))
          published.push(...claimed.map((entry) => entry.id))
          if (claimed.length === 0) yield* Effect.sleep("5 millis")
        }
      })
      yield* Effect.all([writer, relay], { concurrency: 2 })
      expect(published).toEqual(written)
    }))

  it("outbox: the events of a write that lost its version race are never stored", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const outbox = yield* Outbox.Store
      const flight = flightOf()
      yield* repository.insert(flight, [], Option.none())
      yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [])
      const lost = yield* Effect.either(
        repository.save(Flight.updated(flight, { status: "cancelled" }, now), [], [yield* scheduledEvent(flight)]),
      )
      expect(Either.isLeft(lost)).toBe(true)
      expect((yield* outbox.stats).pending).toBe(0)
    }))

  it("outbox: a claim takes at most its limit, and the rest on the next pass", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const outbox = yield* Outbox.Store
      const ids: Array<string> = []
      for (let index = 0; index < 5; index++) {
        const flight = flightOf({ flightNumber: `BA${300 + index}` })
        const event = yield* scheduledEvent(flight)
        ids.push(event.message.id)
        yield* repository.insert(flight, [event], Option.none())
      }
      const first = yield* outbox.claim({ owner: "relay", limit: 2, lease })
      expect(first).toHaveLength(2)
      yield* outbox.complete("relay", first.map((entry) => entry.id))
      const rest = yield* outbox.claim({ owner: "relay", limit: 10, lease })
      yield* outbox.complete("relay", rest.map((entry) => entry.id))
      expect([...first, ...rest].map((entry) => entry.id).toSorted()).toEqual(ids.toSorted())
      expect((yield* outbox.stats).pending).toBe(0)
    }))
}
