/**
 * The dead-letter port: list the messages a service's queue gave up on, with the reason, replay
 * them onto the queue once the cause is fixed, and say how deep the queue and its dead letters are.
 */
import type { ServiceName } from "@flight/contracts"
import { Context, type Effect } from "effect"
import type { BrokerError } from "./MessageBus.ts"

export interface DeadLetter {
  /** The message id (for an undecodable message without one, an id given when it was dead-lettered). */
  readonly id: string
  readonly messageType: string | null
  readonly reason: string
  readonly detail: string
  readonly queue: string
  readonly deadLetteredAt: string
  readonly attempts: number
  readonly body: string
}

/** A service's queue and its dead-letter queue, as the broker counts them now. */
export interface Depth {
  /** Messages waiting (not yet handed to a consumer), and the consumers reading the queue. */
  readonly queue: { readonly name: string; readonly messages: number; readonly consumers: number }
  readonly deadLetters: { readonly name: string; readonly messages: number }
}

export class DeadLetters extends Context.Tag("@flight/bus/DeadLetters")<DeadLetters, {
  /** The service's dead letters, oldest first, all of them (a listing takes none off the queue). */
  readonly list: (service: ServiceName) => Effect.Effect<ReadonlyArray<DeadLetter>, BrokerError>
  /** Moves dead letters back to the service's queue: those with these ids, or all. Answers how many. */
  readonly replay: (service: ServiceName, ids?: ReadonlyArray<string>) => Effect.Effect<number, BrokerError>
  readonly depth: (service: ServiceName) => Effect.Effect<Depth, BrokerError>
}>() {}
