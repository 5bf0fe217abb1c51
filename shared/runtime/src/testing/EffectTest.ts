/**
 * Runs Effect programs as bun:test tests: scoped, with a test Layer, and a failure rendered with
 * `Cause.pretty` so the test output shows the whole cause.
 */
import { test } from "bun:test"
import { Cause, Effect, Exit, Layer } from "effect"
import type { Scope } from "effect"

export function run<A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A>
export function run<A, E, R, E2>(effect: Effect.Effect<A, E, R | Scope.Scope>, layer: Layer.Layer<R, E2>): Promise<A>
export async function run<A, E, R, E2>(
  effect: Effect.Effect<A, E, R | Scope.Scope>,
  layer?: Layer.Layer<R, E2>,
): Promise<A> {
  const scoped = Effect.scoped(effect) as Effect.Effect<A, E, R>
  const program = layer === undefined ? (scoped as Effect.Effect<A, E>) : Effect.provide(scoped, layer)
  const exit = await Effect.runPromiseExit(program)
  if (Exit.isSuccess(exit)) return exit.value
  throw new Error(Cause.pretty(exit.cause, { renderErrorCause: true }))
}

type Body<A, E, R> = Effect.Effect<A, E, R> | (() => Effect.Effect<A, E, R>)

const evaluate = <A, E, R>(body: Body<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.isEffect(body) ? body : Effect.suspend(body)

/** Registers a bun:test `test` running `body` (an Effect, or a function returning one). */
export function effect<A, E>(
  name: string,
  body: Body<A, E, Scope.Scope>,
  options?: { readonly timeout?: number },
): void
export function effect<A, E, R, E2>(
  name: string,
  body: Body<A, E, R | Scope.Scope>,
  options: { readonly layer: Layer.Layer<R, E2>; readonly timeout?: number },
): void
export function effect<A, E, R, E2>(
  name: string,
  body: Body<A, E, R | Scope.Scope>,
  options?: { readonly layer?: Layer.Layer<R, E2>; readonly timeout?: number },
): void {
  const layer = options?.layer
  test(
    name,
    () => (layer === undefined ? run(evaluate(body) as Effect.Effect<A, E, Scope.Scope>) : run(evaluate(body), layer)).then(() => undefined),
    ...(options?.timeout === undefined ? [] : [options.timeout]),
  )
}
