/**
 * The address of the visitor on whose behalf the APIs are called: set for the whole of a request's
 * work (`serving`), sent by the `Api` adapter with every call, so the gateway's per-address budgets,
 * identity's sign-in throttle and booking's holding limit count the visitor, not the site.
 */
import { Effect, FiberRef, Option } from "effect"
import { globalValue } from "effect/GlobalValue"

export const VisitorAddress: FiberRef.FiberRef<Option.Option<string>> = globalValue(
  Symbol.for("web/VisitorAddress"),
  () => FiberRef.unsafeMake(Option.none<string>()),
)

/** `effect` run on behalf of the visitor at `address` (none when the server does not say). */
export const serving = (address: string | undefined) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, VisitorAddress, Option.fromNullable(address))
