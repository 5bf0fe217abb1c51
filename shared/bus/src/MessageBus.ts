/**
 * The message bus port: publish events, send commands, and consume a service's queue with a typed
 * handler policy. Two adapters implement it with the same delivery semantics: RabbitMQ (infra
 * mode) and in-process (embedded mode).
 */
import type { MessageOf, MessageType, Publishable, ServiceName } from "@flight/contracts"
import { Context, Data, type Effect, type Scope } from "effect"
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

export class MessageBus extends Context.Tag("@flight/bus/MessageBus")<MessageBus, {
  /**
   * Publishes an event to the events exchange, or sends a command to the commands exchange, and
   * succeeds only once the broker has confirmed it. It never waits longer than the bus's publish
   * timeout: past it, without a connection or a confirm, it fails with a PublishError (the outbox
   * relays count on it to give their entries back).
   */
  readonly publish: (message: Publishable, options?: PublishOptions) => Effect.Effect<void, PublishError>
  /**
   * Starts consuming the service's queue until the scope closes. Closing the scope stops taking new
   * messages and waits for the handlers in flight to finish.
   */
  readonly consume: <E, R>(consumer: Consumer<E, R>) => Effect.Effect<void, BrokerError, R | Scope.Scope>
  /** Whether the bus can publish now (for readiness checks). */
  readonly healthy: Effect.Effect<boolean>
}>() {}
