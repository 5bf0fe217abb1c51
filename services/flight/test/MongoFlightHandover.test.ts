/**
 * Events handed to the relay by the write that stores them (MongoFlightHandover.ts): with a relay
 * attached, a change to a document with nothing pending writes its events leased to that relay, whose
 * next claim answers them without asking the server; everything else goes the ordinary way, and
 * nothing is published out of order, twice by two relays at once, or never.
 */
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, Option } from "effect"
import { type Db, MongoClient } from "mongodb"
import * as FlightCommands from "../src/application/FlightCommands.ts"
import * as Flight from "../src/domain/Flight.ts"
import * as MongoFlightRepository from "../src/infrastructure/MongoFlightRepository.ts"
import { flightOf, now } from "./support/RepositoryContract.ts"

const lease = Duration.seconds(30)

/** A database of its own, over a client that counts the commands it sends by name. */
const onDatabase = <A, E>(url: string, body: (db: Db, sent: (name?: string) => number) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => new MongoClient(url, { monitorCommands: true }).connect()),
    (client) => {
      const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
      const counts = new Map<string, number>()
      client.on("commandStarted", (event) => counts.set(event.commandName, (counts.get(event.commandName) ?? 0) + 1))
      const sent = (name?: string) => name === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : counts.get(name) ?? 0
      return body(db, sent).pipe(Effect.ensuring(Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore)))
    },
    (client) => Effect.promise(() => client.close()),
  )

const eventOf = (flight: Flight.Flight) => Effect.map(FlightCommands.scheduledEvent(flight), (message) => ({ message, traceparent: null }))

/** The ids of what `owner` claims now. */
const claimIds = (outbox: Effect.Effect.Success<ReturnType<typeof MongoFlightRepository.make>>["outbox"], owner: string) =>
  Effect.map(outbox.claim({ owner, limit: 10, lease }), (entries) => entries.map((entry) => entry.id))

RealServer.describeWith("MONGODB_URL", "MongoDB flight outbox: events handed to the relay", (url) => {
  EffectTest.effect("a write with the relay attached is claimed without a command to the server, leased to that relay, completed in one update", () =>
    onDatabase(url, (db, sent) =>
      Effect.gen(function* () {
        const { outbox, repository } = yield* MongoFlightRepository.make(db)
        yield* outbox.attach!({ owner: "relay", lease })
        const flight = flightOf()
        const event = yield* eventOf(flight)
        yield* repository.insert(flight, [event], Option.none())
        // Leased to the attached relay from the write on: no other relay takes it.
        expect(yield* claimIds(outbox, "other")).toEqual([])
        const before = sent()
        const claimed = yield* outbox.claim({ owner: "relay", limit: 10, lease })
        expect(sent() - before).toBe(0)
        expect(claimed.map((entry) => entry.id)).toEqual([event.message.id])
        expect(claimed[0]!.message).toBe(event.message)
        const updates = sent("update")
        yield* outbox.complete("relay", [event.message.id])
        expect(sent("update") - updates).toBe(1)
        expect(yield* outbox.stats).toEqual({ pending: 0, oldestAgeMillis: null })
        // The next change finds the outbox empty again, and is handed over too.
        const later = yield* eventOf(flight)
        yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [later])
        const again = sent()
        expect(yield* claimIds(outbox, "relay")).toEqual([later.message.id])
        expect(sent() - again).toBe(0)
      })), { timeout: 30_000 })

  EffectTest.effect("a change to a document with entries pending is written the ordinary way, and goes out after them", () =>
    onDatabase(url, (db) =>
      Effect.gen(function* () {
        const { outbox, repository } = yield* MongoFlightRepository.make(db)
        yield* outbox.attach!({ owner: "relay", lease })
        const flight = flightOf()
        const first = yield* eventOf(flight)
        yield* repository.insert(flight, [first], Option.none())
        const second = yield* eventOf(flight)
        yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [second])
        // The handed entry alone; the one written behind it waits for the next pass.
        expect(yield* claimIds(outbox, "relay")).toEqual([first.message.id])
        yield* outbox.complete("relay", [first.message.id])
        expect(yield* claimIds(outbox, "relay")).toEqual([second.message.id])
        yield* outbox.complete("relay", [second.message.id])
        expect(yield* outbox.stats).toEqual({ pending: 0, oldestAgeMillis: null })
      })), { timeout: 30_000 })

  EffectTest.effect("entries another process left pending are not passed over: the write finds them and goes the ordinary way", () =>
    onDatabase(url, (db) =>
      Effect.gen(function* () {
        const elsewhere = yield* MongoFlightRepository.make(db)
        const here = yield* MongoFlightRepository.make(db)
        yield* here.outbox.attach!({ owner: "relay", lease })
        const flight = flightOf()
        const first = yield* eventOf(flight)
        yield* elsewhere.repository.insert(flight, [first], Option.none())
        const second = yield* eventOf(flight)
        yield* here.repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [second])
        expect(yield* claimIds(here.outbox, "relay")).toEqual([first.message.id, second.message.id])
      })), { timeout: 30_000 })

  EffectTest.effect("a handover the relay reaches late is claimed the ordinary way, once", () =>
    onDatabase(url, (db) =>
      Effect.gen(function* () {
        const { outbox, repository } = yield* MongoFlightRepository.make(db)
        yield* outbox.attach!({ owner: "relay", lease: Duration.millis(300) })
        const flight = flightOf()
        const event = yield* eventOf(flight)
        yield* repository.insert(flight, [event], Option.none())
        yield* Effect.sleep("150 millis")
        // More than a third of the lease since the write: read back from the server, still this relay's.
        expect(yield* claimIds(outbox, "relay")).toEqual([event.message.id])
        expect(yield* claimIds(outbox, "relay")).toEqual([event.message.id])
        yield* outbox.complete("relay", [event.message.id])
        expect(yield* claimIds(outbox, "relay")).toEqual([])
      })), { timeout: 30_000 })

  EffectTest.effect("entries handed to a relay that stopped are claimed by another once the lease runs out", () =>
    onDatabase(url, (db) =>
      Effect.gen(function* () {
        const stopped = yield* MongoFlightRepository.make(db)
        yield* stopped.outbox.attach!({ owner: "stopped", lease: Duration.millis(200) })
        const flight = flightOf()
        const event = yield* eventOf(flight)
        yield* stopped.repository.insert(flight, [event], Option.none())
        const other = yield* MongoFlightRepository.make(db)
        expect(yield* claimIds(other.outbox, "other")).toEqual([])
        yield* Effect.sleep("250 millis")
        expect(yield* claimIds(other.outbox, "other")).toEqual([event.message.id])
        yield* other.outbox.complete("other", [event.message.id])
        expect(yield* other.outbox.stats).toEqual({ pending: 0, oldestAgeMillis: null })
      })), { timeout: 30_000 })
})
