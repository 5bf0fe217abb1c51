/**
 * better-auth on an in-memory store: accounts, sessions and signing keys live as long as the
 * process (development, tests, the embedded mode). Throttling counts in this process.
 */
import { StoreHealth, StoreHealthLayer } from "@flight/runtime"
import { Effect, Layer } from "effect"
import * as BetterAuth from "./BetterAuth.ts"

/**
 * The memory adapter has no unique index: two sign-ups of one email at once would both find it
 * free and make two accounts. Sign-ups here go one at a time (PostgreSQL's unique index does it there).
 */
const oneSignUpAtATime = (handler: (request: Request) => Promise<Response>) => {
  let last: Promise<unknown> = Promise.resolve()
  return (request: Request): Promise<Response> => {
    if (!new URL(request.url).pathname.endsWith("/sign-up/email")) return handler(request)
    const next = last.then(() => handler(request))
    last = next.catch(() => undefined)
    return next
  }
}

export const layer = (settings: BetterAuth.Settings): Layer.Layer<BetterAuth.IdentityAuth | StoreHealth> =>
  Layer.merge(
    Layer.effect(
      BetterAuth.IdentityAuth,
      Effect.gen(function* () {
        // Imported when used: a static import breaks `bun build --compile` (better-auth imports it lazily too).
        const { memoryAdapter } = yield* Effect.promise(() => import("better-auth/adapters/memory"))
        // The adapter finds a model only by a key that exists from the start.
        const db = Object.fromEntries(Object.values(BetterAuth.tables).map((table) => [table, []]))
        const made = yield* BetterAuth.make(settings, memoryAdapter(db), "memory")
        yield* BetterAuth.mintFirstKey(made.auth)
        return { ...made, handler: oneSignUpAtATime(made.handler) }
      }),
    ),
    StoreHealthLayer.inMemory,
  )
