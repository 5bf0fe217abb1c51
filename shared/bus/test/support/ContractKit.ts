/**
 * What the MessageBus contract's parts share: a handler error that says whether it is transient, a
 * policy that retries it quickly, a handler for every type a service consumes, and running a test's
 * scoped program.
 */
import { Catalogue, type AnyMessage, type ServiceName } from "@flight/contracts"
import { Data, Effect, Schedule, type Scope } from "effect"
import * as HandlerPolicy from "../../src/HandlerPolicy.ts"
import type { Handlers } from "../../src/MessageBus.ts"

export class Flaky extends Data.TaggedError("Flaky")<{ readonly transient: boolean }> {}

/** Three retries, 10 ms apart, of a transient `Flaky`; no idempotency store. */
export const fast = HandlerPolicy.make<Flaky>({
  retry: Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(3))),
  isTransient: (error) => error.transient,
  idempotency: null,
})

/** A handler for every type the service consumes. */
export const handleAll = <E>(service: ServiceName, handler: (message: AnyMessage) => Effect.Effect<void, E>): Handlers<E, never> =>
  Object.fromEntries(Catalogue.consumedBy(service).map((definition) => [definition.type, handler])) as Handlers<E, never>

export const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))
