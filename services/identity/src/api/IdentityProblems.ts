/**
 * The one typed failure of identity's routes, and the problem+json it becomes: better-auth failing.
 * Everything else a route answers is better-auth's own answer or a problem made where its input is
 * read (`AuthProxy`).
 */
import { Problems } from "@flight/runtime"
import { type Cause, Data } from "effect"

/** better-auth answered 5xx: its store failed (it reports a broken connection so), never the client's doing. */
export class BetterAuthFailed extends Data.TaggedError("BetterAuthFailed")<{ readonly status: number; readonly body: string }> {}

const unreachable = Problems.unavailable("The identity service cannot reach its store; try again shortly", 1)

/**
 * better-auth failing, by answering 5xx or by throwing (its store out of reach): a 503 with
 * Retry-After 1 on every route it serves.
 */
export const betterAuthFailing = Problems.make<BetterAuthFailed | Cause.UnknownException>({
  BetterAuthFailed: unreachable,
  UnknownException: unreachable,
}).for("BetterAuthFailed", "UnknownException")
