/**
 * A message as its producer stored it to be published later (an outbox entry), read back for the
 * publish: the envelope's fields the broker and the producer span need, and the JSON, sent as it is.
 *
 * The JSON was made by `Catalogue.encodeJson`, which checks the whole message as it encodes it (booking's
 * Redis scripts decode it and encode it again with cjson, filling in the seats and the total, the
 * total's digits kept exact), so a relay has nothing to learn from decoding the data again only to
 * encode it once more for the broker: that pair was the largest share of a relay's own work on an
 * entry (docs/benchmarks.md).
 * What is read is what a relay must know: that it is an envelope of a type and version this build
 * knows (a newer build's entry waits for a relay that knows it, as before), and a well-formed id,
 * correlation, source and time. Every consumer still decodes the whole message strictly on delivery.
 */
import { type DateTime, Either, Schema } from "effect"
import * as Catalogue from "./Catalogue.ts"
import * as CompiledParser from "./CompiledParser.ts"
import { MessageId } from "./Envelope.ts"
import { ServiceName, UuidV7 } from "./Values.ts"

export interface StoredMessage {
  readonly _tag: "StoredMessage"
  readonly id: MessageId
  readonly type: Catalogue.MessageType
  readonly version: number
  readonly occurredAt: DateTime.Utc
  readonly correlationId: string
  readonly source: ServiceName
  /** The message's JSON as `Catalogue.encodeJson` made it. */
  readonly json: string
}

/** What a bus publishes: a message, or one read back from where its producer stored it. */
export type Publishable = Catalogue.AnyMessage | StoredMessage

export const isStored = (message: Publishable): message is StoredMessage => (message as Partial<StoredMessage>)._tag === "StoredMessage"

/** The envelope's fields a publish uses; the other fields (the data among them) are not read. */
const Header = Schema.Struct({
  id: MessageId,
  occurredAt: Schema.DateTimeUtc,
  correlationId: UuidV7,
  source: ServiceName,
})
const decodeHeader = CompiledParser.decoder(Header)

/** Reads a stored message's JSON: a `DecodeError` as `Catalogue.decodeJson` would give for what it checks. */
export const read = (json: string): Either.Either<StoredMessage, Catalogue.DecodeError> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (cause) {
    return Either.left(new Catalogue.DecodeError({ reason: "malformed", detail: `not JSON: ${(cause as Error).message}` }))
  }
  const found = Catalogue.definitionFor(parsed)
  if (Either.isLeft(found)) return Either.left(found.left)
  const { type, version } = found.right
  const header = decodeHeader(parsed)
  if (Either.isLeft(header)) {
    return Either.left(new Catalogue.DecodeError({ reason: "invalid", detail: Catalogue.describeIssues(header.left), messageType: type, version }))
  }
  return Either.right({ _tag: "StoredMessage", ...header.right, type: type as Catalogue.MessageType, version, json })
}

/** The message itself, decoded whole (for a reader that needs its data). */
export const decode = (message: Publishable): Either.Either<Catalogue.AnyMessage, Catalogue.DecodeError> =>
  isStored(message) ? Catalogue.decodeJson(message.json) : Either.right(message)

/** `decode`, its `DecodeError` thrown. */
export const decodeSync = (message: Publishable): Catalogue.AnyMessage => Either.getOrThrow(decode(message))
