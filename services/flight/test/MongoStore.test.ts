import { describe, expect } from "bun:test"
import { InProcessBus } from "@flight/bus"
import { Context, Effect, Exit, Layer, Logger, Option, Redacted, Scope } from "effect"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"
import * as Flight from "../src/main.ts"
import { StoreHealth } from "@flight/runtime"
import { EffectTest, RealServer, StoreStart } from "@flight/runtime/testing"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const redacted = (url: string) => Redacted.make(Option.getOrThrow(MongoStore.parse(url)))

describe("MongoDB store adapter", () => {
  EffectTest.effect("uses the database named in the URL, or flight", () =>
    Effect.sync(() => {
      expect(MongoStore.databaseName(redacted("mongodb://127.0.0.1:27017"))).toBe("flight")
      expect(MongoStore.databaseName(redacted("mongodb://127.0.0.1:27017/"))).toBe("flight")
      expect(MongoStore.databaseName(redacted("mongodb+srv://u:p@cluster0.example.net/catalogue?retryWrites=true")))
        .toBe("catalogue")
      expect(MongoStore.address(redacted("mongodb://u:s3cret@h1,h2/catalogue"))).toBe("h1,h2/catalogue")
    }))

  EffectTest.effect("a MongoDB that refuses connections stops the start, naming the address but not the password", () =>
    StoreStart.expectUnavailable(
      MongoStore.layer(redacted("mongodb://app:s3cret@127.0.0.1:1/flight"), { serverSelectionTimeoutMS: 500 }),
      { address: "127.0.0.1:1", secret: "s3cret" },
    ), { layer: quiet })
})

RealServer.describeWith("MONGODB_URL", "MongoDB store adapter against a real server", (url) => {
  EffectTest.effect("connects at start, answers its health check with ping, and closes when its scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(MongoStore.layer(redacted(url)), scope)
      const { client } = Context.get(context, MongoStore.MongoDatabase)
      let closed = false
      client.once("topologyClosed", () => (closed = true))
      yield* Effect.flatMap(StoreHealth, (store) => store.check).pipe(Effect.provide(context))
      yield* Scope.close(scope, Exit.void)
      expect(closed).toBe(true)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("the service on MongoDB answers /health/ready 200", () =>
    Effect.gen(function* () {
      const running = yield* Flight.make({ port: 0, mongodbUrl: Option.some(redacted(url)) }).pipe(
        Effect.provide(InProcessBus.layer()),
      )
      yield* StoreStart.expectReadyOn(running, "MongoDB")
    }), { layer: quiet, timeout: 30_000 })
})
