import { describe, expect } from "bun:test"
import { InProcessBus } from "@flight/bus"
import { Context, Effect, Exit, Layer, Logger, Option, Redacted, Scope } from "effect"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import * as Booking from "../src/main.ts"
import { StoreHealth } from "@flight/runtime"
import { EffectTest, RealServer, StoreStart } from "@flight/runtime/testing"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const redacted = (url: string) => Redacted.make(new URL(url))

describe("Redis store adapter", () => {
  EffectTest.effect("a Redis that refuses connections stops the start, naming the address but not the password", () =>
    StoreStart.expectUnavailable(RedisStore.layer(redacted("redis://default:s3cret@127.0.0.1:1")), { address: "127.0.0.1:1", secret: "s3cret" }),
    { layer: quiet })
})

RealServer.describeWith("REDIS_URL", "Redis store adapter against a real server", (url) => {
  EffectTest.effect("connects at start, answers its health check, and quits when its scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(RedisStore.layer(redacted(url)), scope)
      const client = Context.get(context, RedisStore.RedisClient)
      expect(client.status).toBe("ready")
      yield* Effect.flatMap(StoreHealth, (store) => store.check).pipe(Effect.provide(context))
      const ended = new Promise((resolve) => client.once("end", resolve))
      yield* Scope.close(scope, Exit.void)
      yield* Effect.promise(() => ended)
      expect(client.status).toBe("end")
    }), { layer: quiet })

  EffectTest.effect("the service on Redis answers /health/ready 200", () =>
    Effect.gen(function* () {
      const running = yield* Booking.make({ port: 0, redisUrl: Option.some(redacted(url)) }).pipe(
        Effect.provide(InProcessBus.layer()),
      )
      yield* StoreStart.expectReadyOn(running, "Redis")
    }), { layer: quiet })
})
