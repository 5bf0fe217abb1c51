/**
 * One request per Idempotency-Key, the same way in every service: `run(store, request, effect)`.
 *
 * The policy (decision 24):
 * - a key that recorded a response for the same request answers it again (`replayed`), without
 *   doing the work again;
 * - a key that came with another request (another fingerprint, see `IdempotencyKey.fingerprint`)
 *   is refused (`IdempotencyKeyReused`, 422), whether its first request is done or still running;
 * - the same request while the first one still runs waits for it (up to `awaitFirst`, 15 s) and
 *   answers its response; the first one failing frees the key, and the waiting request then runs
 *   itself; still running after the wait, it is refused with `RequestInProgress` (409, Retry-After);
 * - a request that fails frees its key (`release`), so it can be sent again; one that succeeds
 *   records its response (`record`).
 *
 * The store decides what "claimed" and "running" mean and keeps the key atomically with the change
 * where that matters: a store whose effect writes the key in its own atomic step (a flight stored
 * with its key, a payment begun with its key) answers `Fresh` without claiming, records nothing in
 * `record`, and fails the effect with `IdempotencyKeyTaken` when another request under the key got
 * there first; `run` then looks at the key again and answers as that request did.
 */
import { Clock, Duration, Effect, Option, Schedule, Schema } from "effect"

/** The same Idempotency-Key came with another request. */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  key: Schema.String,
}) {
  override get message() {
    return `The Idempotency-Key ${JSON.stringify(this.key)} was used with a different request`
  }
}

/** The first request under this Idempotency-Key is still running: send it again in a moment. */
export class RequestInProgress extends Schema.TaggedError<RequestInProgress>()("RequestInProgress", {
  key: Schema.String,
}) {
  override get message() {
    return "The first request with this Idempotency-Key is still being handled"
  }
}

/** Another request recorded the key first (a store whose effect writes the key itself): look again. */
export class IdempotencyKeyTaken extends Schema.TaggedError<IdempotencyKeyTaken>()("IdempotencyKeyTaken", {
  key: Schema.String,
}) {}

/** A request under an Idempotency-Key: the key and the fingerprint of the request. */
export interface Request {
  readonly key: string
  readonly fingerprint: string
}

/** What a key holds when a request comes under it. */
export type Lookup<A, C = void> =
  /** Nothing done under the key: this request runs, with what the store claimed for it. */
  | { readonly _tag: "Fresh"; readonly claimed: C }
  /** A first request runs under the key and has not answered yet. */
  | { readonly _tag: "Running"; readonly fingerprint: string }
  /** A first request answered `response`. */
  | { readonly _tag: "Done"; readonly fingerprint: string; readonly response: A }

export const fresh = <C>(claimed: C): Lookup<never, C> => ({ _tag: "Fresh", claimed })
export const running = (fingerprint: string): Lookup<never, never> => ({ _tag: "Running", fingerprint })
export const done = <A>(fingerprint: string, response: A): Lookup<A, never> => ({ _tag: "Done", fingerprint, response })

/** The port a service's store implements for its Idempotency-Keys. */
export interface Store<A, C, E, R = never> {
  /** What the key holds, claiming it for this request when it holds nothing. */
  readonly claim: (request: Request) => Effect.Effect<Lookup<A, C>, E, R>
  /** Records the response of the request that claimed the key (nothing, where the effect recorded it). */
  readonly record: (request: Request, response: A) => Effect.Effect<void, E, R>
  /** Frees the key of a request that failed (nothing, where the failed effect wrote nothing). */
  readonly release: (request: Request) => Effect.Effect<void, E, R>
}

/** How long and how often a request waits for the first one under its key: 15 s, from 10 ms up to every 200 ms. */
export const awaitFirst: Schedule.Schedule<unknown> = Schedule.exponential("10 millis", 1.5).pipe(
  Schedule.either(Schedule.spaced("200 millis")),
  Schedule.upTo("15 seconds"),
)

export interface Answer<A> {
  readonly value: A
  /** Whether `value` is the first request's response, answered again. */
  readonly replayed: boolean
}

/** How many times a request looks again after another took its key first, before giving up as in progress. */
const lookAgain = 3

/**
 * Runs `effect` once for the key of `request` (see the policy above): the first request's response
 * is answered again to the same request, another request under the key is refused, and a request
 * while the first runs waits for it.
 */
export const run = <A, C, E, R, E2, R2>(
  store: Store<A, C, E, R>,
  request: Request,
  effect: (claimed: C) => Effect.Effect<A, E2 | IdempotencyKeyTaken, R2>,
  wait: Schedule.Schedule<unknown> = awaitFirst,
): Effect.Effect<Answer<A>, E | E2 | IdempotencyKeyReused | RequestInProgress, R | R2> => {
  // Made when needed: an error captures a stack trace, and most requests fail with neither.
  const reused = () => new IdempotencyKeyReused({ key: request.key })
  const inProgress = () => new RequestInProgress({ key: request.key })
  // The key as it is once no first request runs under it any more (within the wait).
  const settled = store.claim(request).pipe(
    Effect.flatMap((lookup) =>
      lookup._tag === "Running" && lookup.fingerprint === request.fingerprint ? Effect.fail(inProgress()) : Effect.succeed(lookup)
    ),
    // Told by class, not identity: failing inside a span, Effect hands on a proxy of the error, not the error.
    Effect.retry({ schedule: wait, while: (error) => error instanceof RequestInProgress }),
  )
  const attempt = (tries: number): Effect.Effect<Answer<A>, E | E2 | IdempotencyKeyReused | RequestInProgress, R | R2> =>
    Effect.flatMap(settled, (lookup) => {
      if (lookup._tag !== "Fresh") {
        if (lookup.fingerprint !== request.fingerprint) return Effect.fail(reused())
        // Only `Done` gets here: `settled` waits out a running first request of the same fingerprint.
        return lookup._tag === "Done" ? Effect.succeed({ value: lookup.response, replayed: true }) : Effect.fail(inProgress())
      }
      return effect(lookup.claimed).pipe(
        Effect.tapError((error) =>
          error instanceof IdempotencyKeyTaken ? Effect.void : Effect.ignore(store.release(request))
        ),
        Effect.tap((value) =>
          Effect.catchAll(store.record(request, value), (error) =>
            // The work is done; answering an error would only invite a retry the key cannot replay yet.
            Effect.logWarning(`The response under an Idempotency-Key could not be recorded: ${String(error)}`))
        ),
        Effect.map((value): Answer<A> => ({ value, replayed: false })),
        Effect.catchIf(
          (error): error is IdempotencyKeyTaken => error instanceof IdempotencyKeyTaken,
          () => (tries < lookAgain ? attempt(tries + 1) : Effect.fail(inProgress())),
        ),
      )
    })
  return attempt(0)
}

/**
 * `run` for a route where the Idempotency-Key is optional: without one the effect simply runs. For
 * stores that claim nothing the effect needs (`C` is `void`).
 */
export const optional = <A, E, R, E2, R2>(
  store: Store<A, void, E, R>,
  request: Option.Option<Request>,
  effect: Effect.Effect<A, E2 | IdempotencyKeyTaken, R2>,
  wait: Schedule.Schedule<unknown> = awaitFirst,
): Effect.Effect<Answer<A>, E | E2 | IdempotencyKeyReused | RequestInProgress, R | R2> =>
  Option.match(request, {
    // Without a key nothing records one, so no other request can take it: a store saying so has a bug.
    onNone: () =>
      effect.pipe(
        Effect.catchIf((error): error is IdempotencyKeyTaken => error instanceof IdempotencyKeyTaken, Effect.die),
        Effect.map((value): Answer<A> => ({ value, replayed: false })),
      ),
    onSome: (some) => run(store, some, () => effect, wait),
  })

/**
 * A store in memory, for the embedded mode and tests: a claim lasts `claimFor` (a request that
 * crashed frees its key then), a response is kept until `purge`.
 */
export const inMemory = <A>(claimFor: Duration.DurationInput = "30 seconds") => {
  const keys = new Map<string, { readonly fingerprint: string; readonly response: Option.Option<A>; readonly until: number; readonly at: number }>()
  const window = Duration.toMillis(claimFor)
  const store: Store<A, void, never> & {
    /** Forgets the responses recorded before `before` (ms); answers how many. */
    readonly purge: (before: number) => Effect.Effect<number>
  } = {
    claim: (request) =>
      Effect.map(Clock.currentTimeMillis, (now): Lookup<A> => {
        const held = keys.get(request.key)
        if (held !== undefined && (Option.isSome(held.response) || held.until > now)) {
          return Option.match(held.response, {
            onNone: () => running(held.fingerprint),
            onSome: (response) => done(held.fingerprint, response),
          })
        }
        keys.set(request.key, { fingerprint: request.fingerprint, response: Option.none(), until: now + window, at: now })
        return fresh(undefined)
      }),
    record: (request, response) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        keys.set(request.key, { fingerprint: request.fingerprint, response: Option.some(response), until: now, at: now })
      }),
    release: (request) =>
      Effect.sync(() => {
        const held = keys.get(request.key)
        if (held !== undefined && Option.isNone(held.response)) keys.delete(request.key)
      }),
    purge: (before) =>
      Effect.sync(() => {
        let purged = 0
        for (const [key, held] of keys) {
          if (Option.isSome(held.response) && held.at < before) {
            keys.delete(key)
            purged++
          }
        }
        return purged
      }),
  }
  return store
}
