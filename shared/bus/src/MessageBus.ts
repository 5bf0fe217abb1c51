/**
 * The message bus port: publish events, send commands, and consume a service's queue with a typed
 * handler policy. Two adapters implement it with the same delivery semantics: RabbitMQ (infra
 * mode) and in-process (embedded mode).
 */
import type { MessageOf, MessageType, Publishable, ServiceName } from "@flight/contracts"
import { Cause, Context, Data, Effect, Exit, type Scope } from "effect"
import type { HandlerPolicy } from "./HandlerPolicy.ts"

/** The broker did not confirm a message: it may not have been stored, so the caller keeps it. */
export class PublishError extends Data.TaggedError("PublishError")<{
  readonly messageType: string
  readonly messageId: string
  readonly reason: string
}> {
  override get message() {
    return `${this.messageType} ${this.messageId} not confirmed: ${this.reason}`
  }
}

/** The broker could not be reached or refused an operation (topology, dead-letter tools). */
export class BrokerError extends Data.TaggedError("BrokerError")<{
  readonly operation: string
  readonly reason: string
}> {
  override get message() {
    return `${this.operation}: ${this.reason}`
  }
}

/** One handler per message type the queue receives. */
export type Handlers<E, R> = {
  readonly [T in MessageType]?: (message: MessageOf<T>) => Effect.Effect<void, E, R>
}

export interface Consumer<E, R> {
  /** The consuming service: its queue is bound to the types the catalogue says it consumes. */
  readonly service: ServiceName
  readonly handlers: Handlers<E, R>
  readonly policy: HandlerPolicy<E, R>
  /**
   * How many of its messages may be in hand at once (the broker's prefetch for its channel); the
   * bus's own setting (16 unless told) when absent. A consumer that applies what it holds in
   * batches (flight's booking events) asks for more.
   */
  readonly prefetch?: number
}

export interface PublishOptions {
  /** W3C traceparent of the work that produced the message (e.g. kept in an outbox entry). */
  readonly traceparent?: string | null | undefined
}

/** How a `send` ended, told once. */
export type Answered = (exit: Exit.Exit<void, PublishError>) => void

export class MessageBus extends Context.Tag("@flight/bus/MessageBus")<MessageBus, {
  /**
   * Publishes an event to the events exchange, or sends a command to the commands exchange, and
   * succeeds only once the broker has confirmed it. It never waits longer than the bus's publish
   * timeout: past it, without a connection or a confirm, it fails with a PublishError (the outbox
   * relays count on it to give their entries back).
   */
  readonly publish: (message: Publishable, options?: PublishOptions) => Effect.Effect<void, PublishError>
  /**
   * `publish` in two steps, for a publisher that keeps many messages awaiting their confirms at once
   * (the outbox relay) without a fiber for each: the message is sent as the effect runs, so messages
   * go in the order their sends run, and `answered` is told once how it ended: confirmed, refused or
   * timed out as `publish` fails, or interrupted (a send that had to wait for a connection, stopped
   * with its caller). It is told outside any fiber, so it only records the answer. A message that
   * cannot be encoded is a defect: of the effect, which then tells nothing, or (a send that had to
   * wait for a connection) the answer's.
   */
  readonly send: (message: Publishable, options: PublishOptions | undefined, answered: Answered) => Effect.Effect<void>
  /**
   * Starts consuming the service's queue until the scope closes. Closing the scope stops taking new
   * messages and waits for the handlers in flight to finish.
   */
  readonly consume: <E, R>(consumer: Consumer<E, R>) => Effect.Effect<void, BrokerError, R | Scope.Scope>
  /** Whether the bus can publish now (for readiness checks). */
  readonly healthy: Effect.Effect<boolean>
}>() {}

/**
 * `send` made of a `publish`, run in a fiber of its own whose end is the answer: for a bus (or a test
 * double) with no cheaper way, and while a connection is awaited. The fiber is the caller's child, so
 * it stops with the caller; forked with interruption held off until its answer is set up, so that
 * even a fiber stopped before it first ran tells its answer (interrupted).
 */
export const sendByFiber = (publish: MessageBus["Type"]["publish"]): MessageBus["Type"]["send"] => (message, options, answered) =>
  Effect.asVoid(Effect.uninterruptible(Effect.fork(
    Effect.onExit(Effect.interruptible(publish(message, options)), (exit) => Effect.sync(() => answered(exit))),
  )))

/**
 * `send` made of a `publish` that ends where it is run (the in-process bus): it runs, and its end is
 * the answer, but for a defect, which is the send's own.
 */
export const sendInStep = (publish: MessageBus["Type"]["publish"]): MessageBus["Type"]["send"] => (message, options, answered) =>
  Effect.flatMap(Effect.exit(publish(message, options)), (exit) =>
    Exit.isFailure(exit) && Cause.isDie(exit.cause) && !Cause.isFailure(exit.cause)
      ? Effect.failCause(exit.cause) as Effect.Effect<never>
      : Effect.sync(() => answered(exit)))

/** `bus` with another `publish`, and a `send` made of it: for a test double or a benchmark's bus that wraps one. */
export const withPublish = (bus: MessageBus["Type"], publish: MessageBus["Type"]["publish"]): MessageBus["Type"] => ({
  ...bus,
  publish,
  send: sendByFiber(publish),
})
