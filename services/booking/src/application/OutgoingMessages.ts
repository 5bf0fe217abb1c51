/**
 * How the commands' messages leave the booking service: from `source` "booking", carrying the trace
 * of the work that produced them (`outgoing`), and, where a redelivered cause must produce the same
 * message, with an id derived from that cause (`derivedMessageId`).
 */
import type { AnyMessage, MessageId } from "@flight/contracts"
import { Traceparent } from "@flight/runtime"
import { createHash } from "node:crypto"
import { Effect, Option } from "effect"
import type { Outgoing } from "../domain/BookingRepository.ts"

export const source = "booking" as const

/** A message to store with a change, with the current trace. */
export const outgoing = <M extends AnyMessage>(message: M) =>
  Effect.map(Traceparent.current, (traceparent): Outgoing<M> => ({ message, traceparent: Option.getOrNull(traceparent) }))

/**
 * A message id derived from its cause and a discriminator: the same cause redelivered gives the same
 * id, so consumers drop the copy. Keeps the cause's UUID v7 time, version and variant.
 */
export const derivedMessageId = (cause: MessageId, discriminator: string): MessageId => {
  const hash = createHash("sha256").update(cause).update("/").update(discriminator).digest("hex")
  const time = cause.slice(0, 8) + cause.slice(9, 13)
  const variant = ((Number.parseInt(hash[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hash.slice(0, 3)}-${variant}${hash.slice(3, 6)}-${hash.slice(6, 18)}` as MessageId
}
