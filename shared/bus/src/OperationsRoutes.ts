/**
 * A service's dead letters and queue depth over HTTP, for admins (DESIGN: "dead letters | admin"):
 * the same `DeadLetters` port the `dead-letters` command uses, under `/api/operations/<service>`.
 */
import type { ServiceName } from "@flight/contracts"
import { Paging, Problem, Route } from "@flight/runtime"
import { Effect, Schema } from "effect"
import { DeadLetters } from "./DeadLetters.ts"
import type { BrokerError } from "./MessageBus.ts"

/** Who may read and replay dead letters: the body of a dead letter is a customer's data. */
export const access: Route.Access = { roles: ["admin"] }

export const DeadLetterView = Schema.Struct({
  id: Schema.String,
  messageType: Schema.NullOr(Schema.String),
  reason: Schema.String,
  detail: Schema.String,
  queue: Schema.String,
  deadLetteredAt: Schema.String,
  attempts: Schema.Number,
  body: Schema.String,
}).annotations({ identifier: "DeadLetter" })

export const DeadLettersView = Schema.Struct({
  service: Schema.String,
  queue: Schema.Struct({ name: Schema.String, messages: Schema.Number, consumers: Schema.Number }),
  deadLetters: Schema.Struct({ name: Schema.String, messages: Schema.Number }),
  items: Schema.Array(DeadLetterView),
}).annotations({ identifier: "DeadLetters" })

export const Replayed = Schema.Struct({ replayed: Schema.Literal(1) }).annotations({ identifier: "Replayed" })

/** `limit`: a whole number from 1 to 200, 50 when absent. */
export const ListQuery = Schema.Struct({ limit: Paging.limitOf(200, 50) })

/** A dead letter's id: a message id, or the id it was given when dead-lettered. */
export const ReplayParams = Schema.Struct({
  id: Schema.String.pipe(
    Schema.pattern(/^[\x21-\x7e]{1,200}$/),
    Schema.annotations({ message: () => ({ message: "must be 1 to 200 printable characters", override: true }) }),
  ),
})

const unavailable = (error: BrokerError) =>
  Effect.logWarning(`dead letters: ${error.message}`).pipe(
    Effect.zipRight(Effect.fail(Problem.unavailable("The message broker is unavailable", 5))),
  )

export const routes = (service: ServiceName): ReadonlyArray<Route.Route<DeadLetters>> => [
  Route.make({
    method: "get",
    path: `/api/operations/${service}/dead-letters`,
    summary: `The ${service} queue's depth and dead letters`,
    description: `How many messages wait on the ${service} queue and how many consumers read it, and the messages it ` +
      "gave up on, oldest first, at most `limit` (default 50), each with the reason and its body. Listing takes " +
      "nothing off the dead-letter queue. Admins only.",
    tags: ["operations"],
    access,
    query: ListQuery,
    success: { status: 200, schema: DeadLettersView },
    errors: [503],
    handler: ({ query }) =>
      Effect.gen(function* () {
        const deadLetters = yield* DeadLetters
        // Listed first: the listing gives its messages back before the count. The broker counts ready
        // messages only, and those given back become ready again a moment later, so the count is at
        // least what the listing just read: never "0 dead letters" above a list of three.
        const letters = yield* deadLetters.list(service)
        const depth = yield* deadLetters.depth(service)
        const counted = { ...depth.deadLetters, messages: Math.max(depth.deadLetters.messages, letters.length) }
        return { service, ...depth, deadLetters: counted, items: letters.slice(0, query.limit) }
      }).pipe(Effect.catchTag("BrokerError", unavailable)),
  }),
  Route.make({
    method: "post",
    path: `/api/operations/${service}/dead-letters/:id/replay`,
    summary: `Replay one ${service} dead letter`,
    description: `Moves the dead letter with this id back onto the ${service} queue, where its consumer handles it ` +
      "again (a message that fails again is a dead letter again). 404 when no dead letter has that id. Admins only.",
    tags: ["operations"],
    access,
    params: ReplayParams,
    success: { status: 200, schema: Replayed, description: "The dead letter, back on the queue" },
    errors: [404, 503],
    handler: ({ params }) =>
      Effect.gen(function* () {
        const replayed = yield* Effect.flatMap(DeadLetters, (deadLetters) => deadLetters.replay(service, [params.id]))
        if (replayed === 0) {
          return yield* Effect.fail(Problem.notFound("dead-letter-not-found", `No ${service} dead letter has the id ${Problem.excerpt(params.id)}`))
        }
        return { replayed: 1 as const }
      }).pipe(Effect.catchTag("BrokerError", unavailable)),
  }),
]
