/**
 * Whether the gateway lets a request through: every budget it spends (`RateLimitPolicy.chargesOf`)
 * is counted in the store, and one exceeded budget refuses it with a 429 saying when to retry. The
 * standing of every budget goes back to the client either way, in the `RateLimit` fields.
 */
import { Problem } from "@flight/runtime"
import { type Context, Effect, Either } from "effect"
import { chargesOf, headersOf, type RequestFacts, retryAfterSeconds, type Standing } from "../domain/RateLimitPolicy.ts"
import { RateLimitStore } from "../domain/RateLimitStore.ts"

/** The 429 of a refused request: `Retry-After` and the `RateLimit` fields of every budget it spent. */
export const tooManyRequests = (standings: ReadonlyArray<Standing>): Problem.Problem => {
  const retryAfter = retryAfterSeconds(standings)
  const exceeded = standings.filter((standing) => standing.exceeded).map((standing) => standing.policy)
  return Problem.make({
    status: 429,
    type: "too-many-requests",
    title: "Too many requests",
    detail: `The rate limit ${exceeded.join(", ")} is reached; retry after ${retryAfter} ${retryAfter === 1 ? "second" : "seconds"}`,
    headers: { "retry-after": String(retryAfter), ...headersOf(standings) },
  })
}

/**
 * The decision on the standings of the budgets a request spent: the `RateLimit` fields to send with
 * its answer, or the 429. A plain function, so that the HTTP edge can decide without running an
 * Effect on every request (see `GatewayApi`).
 */
export const decide = (standings: ReadonlyArray<Standing>): Either.Either<Record<string, string>, Problem.Problem> =>
  standings.some((standing) => standing.exceeded) ? Either.left(tooManyRequests(standings)) : Either.right(headersOf(standings))

/**
 * Admits the request (answering the `RateLimit` fields to send with its response), or fails with
 * the 429. No span of its own, whose cost (a captured stack and a span per call) showed in the
 * gateway's benchmark.
 */
export const admit = (facts: RequestFacts): Effect.Effect<Record<string, string>, Problem.Problem, RateLimitStore> =>
  Effect.flatMap(RateLimitStore, (store) => Effect.flatMap(store.consume(chargesOf(facts)), decide))

/** `admit` at the HTTP edge, through the store's `spend`: at once when the store counts in memory. */
export const admitNow = (
  store: Context.Tag.Service<typeof RateLimitStore>,
  facts: RequestFacts,
): Either.Either<Record<string, string>, Problem.Problem> | Promise<Either.Either<Record<string, string>, Problem.Problem>> => {
  const standings = store.spend(chargesOf(facts))
  return standings instanceof Promise ? standings.then(decide) : decide(standings)
}
