/**
 * The session store's contract, on both adapters: in memory always, Redis whenever REDIS_URL is set
 * (and in CI, where it must be). A session saved is read back whole, replaced, removed, and gone
 * after its time to live.
 */
import { RealServer } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import * as Session from "../src/domain/Session.ts"
import * as InMemorySessionStore from "../src/infrastructure/InMemorySessionStore.ts"
import * as RedisSessionStore from "../src/infrastructure/RedisSessionStore.ts"

const contract = (name: string, layer: (ttl: Duration.DurationInput) => Layer.Layer<Session.SessionStore, unknown>) =>
  describe(`the session store: ${name}`, () => {
    const withStore = <A>(ttl: Duration.DurationInput, body: (store: Session.SessionStore["Type"]) => Effect.Effect<A, unknown>) =>
      Effect.runPromise(Effect.flatMap(Session.SessionStore, body).pipe(Effect.provide(layer(ttl)), Effect.orDie))

    test("saves, reads back whole, replaces and removes a session", () =>
      withStore("1 minute", (store) =>
        Effect.gen(function* () {
          const session: Session.Session = {
            ...Session.fresh(),
            account: { sessionToken: "s", accessToken: "a", accessExpiresAt: 1, sub: "u1", email: "ada@example.com", name: "Ada", roles: ["customer"] },
            guests: { "0193e0a0-0000-7000-8000-000000000000": { reference: "X7K2QP", token: "g" } },
            flash: { kind: "info", text: "Hello" },
          }
          expect(yield* store.get(session.id)).toEqual(Option.none())
          yield* store.save(session)
          expect(yield* store.get(session.id)).toEqual(Option.some(session))
          const replaced = Session.withFlash(session, null)
          yield* store.save(replaced)
          expect(yield* store.get(session.id)).toEqual(Option.some(replaced))
          yield* store.remove(session.id)
          expect(yield* store.get(session.id)).toEqual(Option.none())
          yield* store.check
        })))

    test("a session is gone after its time to live unused; each use renews it", () =>
      withStore("1 second", (store) =>
        Effect.gen(function* () {
          const session = Session.fresh()
          yield* store.save(session)
          for (let step = 0; step < 3; step++) {
            yield* Effect.sleep("600 millis")
            expect(Option.isSome(yield* store.get(session.id))).toBe(true)
          }
          yield* Effect.sleep("1300 millis")
          expect(yield* store.get(session.id)).toEqual(Option.none())
        })), 10_000)
  })

contract("in memory", InMemorySessionStore.layer)

RealServer.describeWith("REDIS_URL", "on a real server", (redisUrl) => {
  const prefix = `test-${crypto.randomUUID().slice(0, 8)}:`
  contract("Redis", (ttl) => RedisSessionStore.layer(Redacted.make(new URL(redisUrl)), ttl, { prefix }))
})


