/**
 * How a service's typed failures are shown, declared once: per error tag, the problem it becomes,
 * its status fixed by the rule. A route names the tags its handler may fail with; the statuses it
 * documents and the mapping it applies both come from that one selection, and a handler failing
 * with a tag the route did not name does not compile.
 *
 * ```ts
 * // services/flight/src/api/FlightProblems.ts: every typed failure of the API, exactly once
 * type ApiError = FlightNotFound | InvalidTransition | InvalidStatusChange | VersionConflict | IdempotencyKeyReused | FlightStoreError
 *
 * export const problems = Problems.make<ApiError>({
 *   FlightNotFound: Problems.notFound("flight-not-found"),                 // detail: the error's message
 *   InvalidTransition: Problems.conflict("invalid-status-transition"),
 *   InvalidStatusChange: Problems.badRequestAt("The status change is invalid", (e) => `body.${e.field}`, (e) => e.reason),
 *   VersionConflict: Problems.conflict("concurrent-update", "The flight kept changing …; send it again", { retryAfterSeconds: 1 }),
 *   IdempotencyKeyReused: Problems.keyReused,
 *   FlightStoreError: Problems.store("The flight store is unavailable"),   // transient → 503 + Retry-After: 1, else 500
 * })
 *
 * // services/flight/src/api/FlightApi.ts: a route names what it may fail with
 * const getting = problems.for("FlightNotFound", "FlightStoreError")
 *
 * Route.make({
 *   method: "get",
 *   path: "/api/flights/:id",
 *   // …
 *   errors: getting.statuses,                                               // [404, 503]
 *   handler: ({ params }) => getting.answer(Effect.flatMap(FlightQueries, (queries) => queries.get(params.id))),
 * })
 * ```
 *
 * `answer` lets a `Problem` the handler fails with itself pass as it is. A store error's 500 (data
 * it cannot read) is not documented, as no route documents its 500.
 */
import { Effect } from "effect"
import * as IdempotencyKey from "./IdempotencyKey.ts"
import * as Problem from "./Problem.ts"

/** A typed failure: a table is keyed by its tag. */
export interface Tagged {
  readonly _tag: string
}

/** How a failure becomes its problem, and every status that problem may have. */
export interface Rule<in E> {
  readonly statuses: ReadonlyArray<number>
  readonly problem: (error: E) => Problem.Problem
}

/** One rule for each tag of `E`: a missing tag and an extra one are both compile errors. */
export type Rules<E extends Tagged> = { readonly [Tag in E["_tag"]]: Rule<Extract<E, { readonly _tag: Tag }>> }

/** What a route may fail with: its documented statuses and the mapping of its handler's failures. */
export interface Selection<E> {
  /** Sorted, each once: for `Route.make`'s `errors`. */
  readonly statuses: ReadonlyArray<number>
  /** Fails with the problem of each named failure; a `Problem` passes as it is. */
  readonly answer: <A, R>(effect: Effect.Effect<A, E | Problem.Problem, R>) => Effect.Effect<A, Problem.Problem, R>
}

export interface Table<E extends Tagged> {
  /** The problem of any failure of the union. */
  readonly of: (error: E) => Problem.Problem
  /** The failures a route may answer, by tag. */
  readonly for: <Tag extends E["_tag"]>(...tags: ReadonlyArray<Tag>) => Selection<Extract<E, { readonly _tag: Tag }>>
}

/** `Rules<E>`, or, when no union is given, a type no rules satisfy (`Rules<never>` is `{}`, which any would). */
type RulesOfGiven<E extends Tagged> = [E] extends [never] ? { readonly "give the union: Problems.make<ApiError>(…)": never }
  : Rules<E>

/** The table of a union of failures: `Problems.make<ApiError>({ ... })` (the type argument is required). */
export const make = <E extends Tagged = never>(rules: RulesOfGiven<E>): Table<E> => {
  const ruleOf = (tag: string): Rule<E> => {
    const table = rules as unknown as Record<string, Rule<E>>
    if (!Object.hasOwn(table, tag)) throw new Error(`Problems: no rule for ${tag}`)
    return table[tag]!
  }
  const of = (error: E): Problem.Problem => ruleOf(error._tag).problem(error)
  const answerWith = (error: unknown): Problem.Problem => Problem.isProblem(error) ? error : of(error as E)
  return {
    of,
    for: (...tags) => {
      const statuses = [...new Set(tags.flatMap((tag) => ruleOf(tag).statuses))].sort((a, b) => a - b)
      return { statuses, answer: (effect) => Effect.mapError(effect, answerWith) }
    },
  }
}

// -------------------------------------------------------------------------------------------------
// Rules

/** A fixed sentence, or one made from the failure; without one, the failure's own message. */
export type Detail<E> = string | ((error: E) => string)

type WithMessage = { readonly message: string }

const detailOf = <E extends WithMessage>(detail: Detail<E> | undefined, error: E): string =>
  detail === undefined ? error.message : typeof detail === "string" ? detail : detail(error)

/**
 * Any problem, of `status` (or one of `statuses`). A problem of another status is a mistake in the
 * rule: it is thrown, so the request fails as a logged defect rather than answer an undocumented status.
 */
export const custom = <E>(status: number | ReadonlyArray<number>, problem: (error: E) => Problem.Problem): Rule<E> => {
  const statuses: ReadonlyArray<number> = typeof status === "number" ? [status] : status
  return {
    statuses,
    problem: (error) => {
      const made = problem(error)
      if (!statuses.includes(made.status)) {
        throw new Error(`Problems.custom: ${made.type} has status ${made.status}, the rule declares ${statuses.join(", ")}`)
      }
      return made
    },
  }
}

const fixed = <E>(status: number, problem: (error: E) => Problem.Problem): Rule<E> => ({ statuses: [status], problem })

export const notFound = <E extends WithMessage>(type: string, detail?: Detail<E>): Rule<E> =>
  fixed(404, (error) => Problem.notFound(type, detailOf(detail, error)))

export const conflict = <E extends WithMessage>(
  type: string,
  detail?: Detail<E>,
  options?: { readonly retryAfterSeconds?: number },
): Rule<E> => fixed(409, (error) => Problem.conflict(type, detailOf(detail, error), options))

export const unprocessable = <E extends WithMessage>(type: string, detail?: Detail<E>): Rule<E> =>
  fixed(422, (error) => Problem.unprocessable(type, detailOf(detail, error)))

/**
 * A 400 `validation-failed` naming the one offending field, as the decoding of a request would:
 * `path` such as `body.passengers.0.seat`, its message the failure's own unless `message` says.
 */
export const badRequestAt = <E extends WithMessage>(
  detail: string,
  path: string | ((error: E) => string),
  message?: (error: E) => string,
): Rule<E> =>
  fixed(400, (error) =>
    Problem.badRequest(detail, [{
      path: typeof path === "string" ? path : path(error),
      message: message === undefined ? error.message : message(error),
    }]))

/** A 429 with `Retry-After` (at least a second) from the failure. */
export const tooMany = <E extends WithMessage>(
  type: string,
  title: string,
  retryAfterSeconds: (error: E) => number,
  detail?: Detail<E>,
): Rule<E> => fixed(429, (error) => Problem.tooManyRequests(type, title, detailOf(detail, error), retryAfterSeconds(error)))

/** A 503 `service-unavailable`: something the service depends on did not answer. */
export const unavailable = (detail: string, retryAfterSeconds?: number): Rule<unknown> =>
  fixed(503, () => Problem.unavailable(detail, retryAfterSeconds))

/**
 * A store error (`StoreError`): transient, a 503 with `Retry-After: 1` and `detail`; otherwise (data
 * this build cannot read, an answer that cannot be) no client's doing, so the plain 500.
 */
export const store = (detail: string): Rule<{ readonly transient: boolean }> => ({
  statuses: [503],
  problem: (error) => error.transient ? Problem.unavailable(detail, 1) : Problem.internal(),
})

/** The same Idempotency-Key came with another request: the 422 `idempotency-key-reused`. */
export const keyReused: Rule<{ readonly key: string }> = fixed(422, (error) => IdempotencyKey.reused(error.key))

/** The first request under the same Idempotency-Key is still being handled: a 409 to retry in a second. */
export const requestInProgress: Rule<unknown> = fixed(409, () =>
  Problem.conflict("request-in-progress", "The first request with this Idempotency-Key is still being handled", {
    retryAfterSeconds: 1,
  }))
