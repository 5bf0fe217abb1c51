/**
 * The Idempotency-Key of a POST: the same key with the same request answers the first response
 * without doing the work again; the same key with another request is a 422. What "the same
 * request" means is a fingerprint of the decoded request, so that two spellings of one request
 * (key order, `10:00Z` and `10:00:00.000Z`) are the same. Each service stores the key with the
 * change it made, in the same atomic write.
 */
import { createHash } from "node:crypto"
import { DateTime, Duration, Effect, Option, Schedule, Schema, type Scope } from "effect"
import * as Problem from "./Problem.ts"
import * as Route from "./Route.ts"

export const headerName = "idempotency-key"

/** Sent with a replayed response, so a client can tell it from the first. */
export const replayedHeader = "idempotent-replayed"

export const Key = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7e][\x20-\x7e]{0,254}$/),
  Schema.annotations({
    identifier: "IdempotencyKey",
    description: "1 to 255 printable ASCII characters, e.g. a UUID; kept at least 24 hours. The same request again " +
      "answers the first response (Idempotent-Replayed: true); another request under the key is a 422; the same request " +
      "while the first still runs waits for it, up to 15 s, then answers 409 request-in-progress.",
    message: () => "must be 1 to 255 printable ASCII characters",
  }),
)

/** The request headers of a route that accepts an optional Idempotency-Key. */
export const OptionalHeader = Schema.Struct({ [headerName]: Schema.optional(Key) })

/** The request headers of a route that requires one. */
export const RequiredHeader = Schema.Struct({ [headerName]: Key })

/** JSON with object keys in sorted order, so equal values give equal text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner)

/** The SHA-256 of a request's route and encoded input: equal for equal requests. */
export const fingerprint = (route: string, input: unknown): string =>
  createHash("sha256").update(route).update("\n").update(canonical(input)).digest("hex")

/**
 * The request under an optional Idempotency-Key: its key and the fingerprint of `route` and the
 * encoded input; none without a key, and then the input is not encoded (most requests carry none).
 */
export const requestOf = (
  key: string | undefined,
  route: string,
  input: () => unknown,
): Option.Option<{ readonly key: string; readonly fingerprint: string }> =>
  key === undefined ? Option.none() : Option.some({ key, fingerprint: fingerprint(route, input()) })

/** The answer of a request made under a key: marked `Idempotent-Replayed` when it is the first request's answer again. */
export const respond = (options: { readonly status: number; readonly body: unknown; readonly replayed: boolean }): Route.Response =>
  Route.response({
    status: options.status,
    body: options.body,
    ...(options.replayed ? { headers: { [replayedHeader]: "true" } } : {}),
  })

export const reused = (key: string): Problem.Problem =>
  Problem.unprocessable(
    "idempotency-key-reused",
    `The Idempotency-Key ${JSON.stringify(key)} was used with a different request; use a new key for a new request`,
  )

/** How long a key is kept: the API promises at least 24 hours. */
export const retention = Duration.hours(25)

/** How often a service forgets the keys past `retention`. */
export const purgeEvery = Duration.hours(1)

/**
 * Forgets keys recorded more than `retention` ago, now and every `purgeEvery` for the life of the
 * scope, through the store's `purge` (which answers how many it forgot). A failed purge is logged
 * and the next one tries again; instances purging at once delete the same keys.
 */
export const startPurge = <E extends { readonly message: string }, R>(
  purge: (before: DateTime.Utc) => Effect.Effect<number, E, R>,
): Effect.Effect<void, never, R | Scope.Scope> =>
  Effect.asVoid(Effect.forkScoped(
    DateTime.now.pipe(
      Effect.flatMap((now) => purge(DateTime.subtractDuration(now, retention))),
      Effect.tap((purged) => (purged > 0 ? Effect.logDebug(`Forgot ${purged} Idempotency-Keys older than ${Duration.format(retention)}`) : Effect.void)),
      Effect.catchAll((error) => Effect.logWarning(`Idempotency-Key purge failed: ${error.message}`)),
      Effect.repeat(Schedule.spaced(purgeEvery)),
    ),
  ))
