/** The MongoDB adapter for a test, on a database of its own. */
import { Outbox } from "@flight/bus"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { FlightRepository } from "../../src/domain/FlightRepository.ts"
import * as MongoFlightRepository from "../../src/infrastructure/MongoFlightRepository.ts"
import * as MongoStore from "../../src/infrastructure/MongoStore.ts"

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

