/**
 * One call to RabbitMQ through amqplib, as an Effect: a typed `BrokerError`, bounded in time, and
 * channels that fail alone rather than taking their connection down.
 */
import type * as amqp from "amqplib"
import { StoreError } from "@flight/runtime"
import { Effect } from "effect"
import { BrokerError } from "./MessageBus.ts"

/** One call to the broker, as a typed error; bounded, so a silent broker cannot stall a fiber forever. */
export const brokerCall = <A>(operation: string, call: () => PromiseLike<A>) =>
  Effect.interruptible(Effect.tryPromise({
    try: () => Promise.resolve(call()),
    catch: (cause) => new BrokerError({ operation, reason: StoreError.reasonOf(cause) }),
  })).pipe(
    Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => new BrokerError({ operation, reason: "no answer from the broker" }) }),
  )

/** A channel's broker errors close only the channel; without a listener they would take the connection down. */
export const quietChannel = <C extends amqp.Channel, E>(open: Effect.Effect<C, E>) =>
  Effect.tap(open, (channel) => Effect.sync(() => channel.on("error", () => {})))

/** Acks and nacks on a channel that has closed throw; the broker redelivers those messages anyway. */
export const safely = (settle: () => void) => {
  try {
    settle()
  } catch {
    // The channel is gone; the message will be redelivered and the consumer's idempotency absorbs it.
  }
}
