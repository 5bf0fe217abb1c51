/**
 * What happens to one delivered message, whatever the transport: decode it, find its handler, run
 * the handler under the consumer's policy in a span that continues the producer's trace, and say
 * how to settle it. Both adapters call this, so they behave the same.
 */
import { Catalogue, type AnyMessage } from "@flight/contracts"
import { Spans, Traceparent } from "@flight/runtime"
import { Cause, Effect, Exit, FiberRef, Metric, type MetricLabel, Option, type Schedule } from "effect"
import * as BusMetrics from "./BusMetrics.ts"
import { IdempotencyStoreError } from "./Idempotency.ts"
import type { Consumer } from "./MessageBus.ts"

export interface RawDelivery {
  readonly body: Uint8Array
  readonly headers: Readonly<Record<string, unknown>>
}

export type DeadLetterReason =
  | "undecodable"
  | "unknown-type"
  | "unknown-version"
  | "unhandled"
  | "retries-exhausted"
  | "rejected"
  | "defect"

export type Outcome =
  | { readonly _tag: "Handled"; readonly attempts: number }
  | { readonly _tag: "Duplicate" }
  | {
    readonly _tag: "DeadLetter"
    readonly reason: DeadLetterReason
    readonly detail: string
    readonly attempts: number
    readonly messageType: string | null
  }

/** Headers that a dead letter carries to say why. */
export const DeadLetterHeaders = {
  reason: "x-dead-letter-reason",
  detail: "x-dead-letter-detail",
  queue: "x-dead-letter-queue",
  at: "x-dead-lettered-at",
  attempts: "x-dead-letter-attempts",
} as const

const maxDetail = 2_000
const truncate = (text: string) => (text.length > maxDetail ? `${text.slice(0, maxDetail)}…` : text)

const describeError = (error: unknown): string => {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  if (typeof error === "object" && error !== null) {
    const tag = "_tag" in error ? String(error._tag) : "Error"
    const message = "message" in error && typeof error.message === "string" ? error.message : JSON.stringify(error)
    return `${tag}: ${message}`
  }
  return String(error)
}

const deadLetter = (reason: DeadLetterReason, detail: string, attempts: number, messageType: string | null): Outcome => ({
  _tag: "DeadLetter",
  reason,
  detail: truncate(detail),
  attempts,
  messageType,
})

const parentSpan = (headers: RawDelivery["headers"]) =>
  typeof headers["traceparent"] === "string" ? Traceparent.parse(headers["traceparent"]) : Option.none()

/** Counts a delivery by its outcome, and a dead letter by its reason, as it is settled (no Effect of its own). */
const count = (queue: string, outcome: Outcome, labels: ReadonlyArray<MetricLabel.MetricLabel>): void => {
  BusMetrics.consumedOf(queue, outcome._tag).unsafeUpdate(1, labels)
  if (outcome._tag === "DeadLetter") BusMetrics.deadLetteredOf(queue, outcome.reason).unsafeUpdate(1, labels)
}

/** `outcome` counted, for the deliveries settled before any handler runs. */
const counted = (queue: string, outcome: Outcome): Effect.Effect<Outcome> =>
  Effect.withFiberRuntime((fiber) => {
    count(queue, outcome, fiber.getFiberRef(FiberRef.currentMetricLabels))
    return Effect.succeed(outcome)
  })

/**
 * Handles one delivery. Never fails: every failure becomes an outcome the adapter settles. It is
 * interrupted only when the consumer is shut down past its grace period; the adapter then leaves
 * the message unacknowledged, for redelivery.
 *
 * This runs for every message: a pipeline of plain combinators, no generator, and the retry
 * machinery is entered only once a handler has failed.
 */
export const handle = <E, R>(
  consumer: Consumer<E, R>,
  queue: string,
  raw: RawDelivery,
): Effect.Effect<Outcome, never, R> =>
  Effect.suspend((): Effect.Effect<Outcome, never, R> => {
    const decoded = Catalogue.decodeJson(raw.body)
    if (decoded._tag === "Left") {
      const error = decoded.left
      const reason: DeadLetterReason = error.reason === "unknown-type" || error.reason === "unknown-version"
        ? error.reason
        : "undecodable"
      return counted(queue, deadLetter(reason, error.message, 0, error.messageType ?? null))
    }
    const message = decoded.right
    const handler = consumer.handlers[message.type] as ((message: AnyMessage) => Effect.Effect<void, E, R>) | undefined
    if (handler === undefined) {
      return counted(queue, deadLetter("unhandled", `the ${consumer.service} consumer has no handler for ${message.type}`, 0, message.type))
    }
    return Spans.around(`${queue} process ${message.type}`, {
      kind: "consumer",
      parent: Option.getOrUndefined(parentSpan(raw.headers)),
      attributes: {
        "messaging.system": "rabbitmq",
        "messaging.operation.type": "process",
        "messaging.destination.name": queue,
        "messaging.message.id": message.id,
        "messaging.message.conversation_id": message.correlationId,
        "messaging.message.type": message.type,
      },
      current: true,
    }, () => run(consumer, queue, message, handler), (exit, labels) => {
      // Never fails; interrupted, it is not settled and so not counted.
      if (Exit.isSuccess(exit)) count(queue, exit.value, labels)
    })
  })

const run = <E, R>(
  consumer: Consumer<E, R>,
  queue: string,
  message: AnyMessage,
  handler: (message: AnyMessage) => Effect.Effect<void, E, R>,
): Effect.Effect<Outcome, never, R> => {
  let attempts = 0
  const attempt = Effect.suspend(() => {
    attempts += 1
    return handler(message)
  })
  const { idempotency, isTransient } = consumer.policy
  const applied = idempotency === null
    ? Effect.as(attempt, true)
    : idempotency.once(`${consumer.service}/${message.id}`, attempt)
  const transient = (error: E | IdempotencyStoreError) => error instanceof IdempotencyStoreError || isTransient(error)
  const countTransient = (error: E | IdempotencyStoreError) =>
    transient(error) ? Metric.increment(BusMetrics.retriedOf(queue)) : Effect.void
  /**
   * The policy's retry, from a first failure already seen: the schedule is given that failure as
   * its first input, as if it had retried from the start, so the delays and the count are the
   * policy's. Most messages succeed at once and never build a schedule driver.
   */
  const retryAfter = (first: E | IdempotencyStoreError) => {
    let replayed = false
    return Effect.retry(
      Effect.suspend(() => {
        if (replayed) return Effect.tapError(applied, countTransient)
        replayed = true
        return Effect.fail(first)
      }),
      { schedule: consumer.policy.retry as Schedule.Schedule<unknown, E | IdempotencyStoreError, R>, while: transient },
    )
  }
  return applied.pipe(
    Effect.catchAll((error) => Effect.zipRight(countTransient(error), transient(error) ? retryAfter(error) : Effect.fail(error))),
    Effect.matchCauseEffect({
      onSuccess: (applied): Effect.Effect<Outcome> =>
        Effect.succeed(applied ? { _tag: "Handled", attempts } : { _tag: "Duplicate" }),
      onFailure: (cause): Effect.Effect<Outcome> => {
        if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure)) {
          return Effect.logWarning(`dead-lettering ${message.type} ${message.id}`).pipe(
            Effect.annotateLogs({ queue, attempts, error: describeError(failure.value) }),
            Effect.as(
              transient(failure.value)
                ? deadLetter("retries-exhausted", `after ${attempts} attempts: ${describeError(failure.value)}`, attempts, message.type)
                : deadLetter("rejected", describeError(failure.value), attempts, message.type),
            ),
          )
        }
        return Effect.as(
          Effect.logError(`handler of ${message.type} died`, cause),
          deadLetter("defect", Cause.pretty(cause), attempts, message.type),
        )
      },
    }),
  )
}
