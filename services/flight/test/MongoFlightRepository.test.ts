import { Outbox } from "@flight/bus"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Context, Effect, Layer, Option, Redacted, Tracer } from "effect"
import { FlightRepository } from "../src/domain/FlightRepository.ts"
import * as MongoFlightRepository from "../src/infrastructure/MongoFlightRepository.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"
import { contract, flightOf } from "./FlightRepository.contract.ts"

/** The adapter on a database of its own, dropped when the test ends. */
export const isolated = (url: string) =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const { client } = yield* MongoStore.MongoDatabase
      const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
      yield* Effect.addFinalizer(() => Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore))
      const { outbox, repository } = yield* MongoFlightRepository.make(db)
      return Context.make(FlightRepository, repository).pipe(Context.add(Outbox.Store, outbox))
    }),
  ).pipe(Layer.provide(MongoStore.layer(Redacted.make(Option.getOrThrow(MongoStore.parse(url))))))

RealServer.describeWith("MONGODB_URL", "MongoDB flight repository", (url) => {
  contract("MongoDB", () => isolated(url))
})

RealServer.describeWith("MONGODB_URL", "MongoDB flight repository start", (url) => {
  EffectTest.effect("creates its indexes on an empty database and starts again on one that has them", () =>
    Effect.gen(function* () {
      const { client } = yield* MongoStore.MongoDatabase
      const db = client.db(`flight-test-${Bun.randomUUIDv7().slice(-12)}`)
      yield* Effect.gen(function* () {
        yield* MongoFlightRepository.make(db)
        yield* MongoFlightRepository.make(db)
        const names = (yield* Effect.promise(() => db.collection(MongoFlightRepository.collectionName).listIndexes().toArray()))
          .map((index) => index.name)
        expect(names.toSorted()).toEqual(["_id_", "flight_number_date", "idempotency_key", "outbox_pending", "search"])
      }).pipe(Effect.ensuring(Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore)))
    }).pipe(Effect.provide(MongoStore.layer(Redacted.make(Option.getOrThrow(MongoStore.parse(url)))))), { timeout: 30_000 })
})

RealServer.describeWith("MONGODB_URL", "MongoDB flight repository tracing", (url) => {
  EffectTest.effect("each store call is a client span naming the operation, under the caller's span", () =>
    Effect.gen(function* () {
      const base = yield* Effect.tracer
      const spans: Array<{ readonly name: string; readonly kind: string; readonly parent: string | null }> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          spans.push({ name, kind, parent: Option.match(parent, { onNone: () => null, onSome: (p) => p.spanId }) })
          return base.span(name, parent, context, links, startTime, kind, options)
        },
        context: (f, fiber) => base.context(f, fiber),
      })
      const flight = flightOf()
      const callerId = yield* Effect.gen(function* () {
        const repository = yield* FlightRepository
        yield* repository.insert(flight, [], Option.none())
        yield* repository.get(flight.id)
        return (yield* Effect.currentSpan).spanId
      }).pipe(Effect.withSpan("caller"), Effect.withTracer(recording))
      const store = spans.filter((span) => span.name.startsWith("mongodb "))
      expect(store.map((span) => span.name)).toContain("mongodb find")
      expect(store.every((span) => span.kind === "client" && span.parent === callerId)).toBe(true)
    }).pipe(Effect.provide(isolated(url))), { timeout: 30_000 })
})
