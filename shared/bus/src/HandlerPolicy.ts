/**
 * How a consumer treats its handlers' failures, as a value: which errors are transient, the
 * Schedule that retries them in place, and how redelivered messages are recognised.
 */
import { Duration, Schedule } from "effect"
import type { Idempotency } from "./Idempotency.ts"

export interface HandlerPolicy<E, R = never> {
  /** Retries a transient failure in place, the message still unacknowledged. */
  readonly retry: Schedule.Schedule<unknown, E, R>
  /** A transient error is retried; any other error dead-letters the message at once. */
  readonly isTransient: (error: E) => boolean
  /** Records applied message ids with the handler's effect, so a redelivery changes nothing. */
  readonly idempotency: Idempotency | null
}

/**
 * The default retry: exponential backoff from 100 ms with jitter, five retries (about 3 s in all),
 * then the message is dead-lettered with reason `retries-exhausted`.
 */
export const transientRetry: Schedule.Schedule<unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(5)),
)

/**
 * For a handler whose store may be briefly down (a failover, a restart): backoff from 100 ms with
 * jitter, capped at 5 s, for about two minutes, then the message is dead-lettered.
 */
export const storeOutageRetry: Schedule.Schedule<unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(5))),
  Schedule.upTo("2 minutes"),
)

/** The reconnection schedule of the RabbitMQ adapter: backoff from 100 ms, capped at 5 s, forever. */
export const reconnect: Schedule.Schedule<unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(5))),
)

export const make = <E, R = never>(policy: {
  readonly retry?: Schedule.Schedule<unknown, E, R>
  readonly isTransient: (error: E) => boolean
  readonly idempotency: Idempotency | null
}): HandlerPolicy<E, R> => ({
  retry: policy.retry ?? (transientRetry as Schedule.Schedule<unknown, E, R>),
  isTransient: policy.isTransient,
  idempotency: policy.idempotency,
})

/** Errors that carry their own verdict: `transient: true` is retried, anything else is permanent. */
export const byTransientFlag = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "transient" in error && (error as { transient: unknown }).transient === true
