/**
 * The writes a relay makes on a flight document (FerretDB rewrites the whole document for each, so
 * they are counted): completing the whole outbox it claimed is one update; entries written after
 * its claim keep the document pending and are left for the next pass.
 */
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, Option } from "effect"
import { MongoClient } from "mongodb"
import * as FlightCommands from "../src/application/FlightCommands.ts"
import * as Flight from "../src/domain/Flight.ts"
import * as MongoFlightRepository from "../src/infrastructure/MongoFlightRepository.ts"
import { flightOf, now } from "./support/RepositoryContract.ts"

const lease = Duration.seconds(30)

/** The repository on a database of its own, over a client that counts the updates it sends. */
const counting = <A, E>(
  url: string,
  body: (made: Effect.Effect.Success<ReturnType<typeof MongoFlightRepository.make>>, updates: () => number) => Effect.Effect<A, E>,
) =>
  Effect.acquireUseRelease(
    Effect.promise(() => new MongoClient(url, { monitorCommands: true }).connect()),
    (client) => {
      const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
      let updates = 0
      client.on("commandStarted", (event) => {
        if (event.commandName === "update") updates += 1
      })
      return Effect.flatMap(MongoFlightRepository.make(db), (made) => body(made, () => updates)).pipe(
        Effect.ensuring(Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore)),
      )
    },
    (client) => Effect.promise(() => client.close()),
  )

const eventOf = (flight: Flight.Flight) => Effect.map(FlightCommands.scheduledEvent(flight), (message) => ({ message, traceparent: null }))

RealServer.describeWith("MONGODB_URL", "MongoDB flight outbox writes", (url) => {
  EffectTest.effect("a relay that published the whole outbox it claimed completes the document in one update", () =>
    counting(url, ({ outbox, repository }, updates) =>
      Effect.gen(function* () {
        const flight = flightOf()
        yield* repository.insert(flight, [yield* eventOf(flight), yield* eventOf(flight)], Option.none())
        const claimed = yield* outbox.claim({ owner: "relay", limit: 10, lease })
        expect(claimed).toHaveLength(2)
        const before = updates()
        yield* outbox.complete("relay", claimed.map((entry) => entry.id))
        expect(updates() - before).toBe(1)
        expect(yield* outbox.stats).toEqual({ pending: 0, oldestAgeMillis: null })
        expect(yield* outbox.claim({ owner: "other", limit: 10, lease })).toEqual([])
      })), { timeout: 30_000 })

  EffectTest.effect("entries written after the claim stay pending when the claimed ones complete, and go out on the next pass", () =>
    counting(url, ({ outbox, repository }, updates) =>
      Effect.gen(function* () {
        const flight = flightOf()
        const first = yield* eventOf(flight)
        yield* repository.insert(flight, [first], Option.none())
        const claimed = yield* outbox.claim({ owner: "relay", limit: 10, lease })
        expect(claimed.map((entry) => entry.id)).toEqual([first.message.id])
        const later = yield* eventOf(flight)
        yield* repository.save(Flight.updated(flight, { status: "delayed" }, now), [], [later])
        const before = updates()
        yield* outbox.complete("relay", [first.message.id])
        // The first update finds the outbox grown and changes nothing; the second takes the entry out.
        expect(updates() - before).toBe(2)
        expect((yield* outbox.stats).pending).toBe(1)
        // The lease ended with the completion: any relay takes the later entry at once.
        const next = yield* outbox.claim({ owner: "other", limit: 10, lease })
        expect(next.map((entry) => entry.id)).toEqual([later.message.id])
        yield* outbox.complete("other", [later.message.id])
        expect((yield* outbox.stats).pending).toBe(0)
      })), { timeout: 30_000 })
})
