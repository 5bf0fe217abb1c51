/**
 * The message catalogue: every message definition, and the codec that turns bytes on the wire into
 * a typed message (or a precise reason why not) and back.
 */
import { Data, Either, ParseResult, Schema } from "effect"
import type { AnyDefinition, EnvelopeOf } from "./Envelope.ts"
import * as CompiledParser from "./CompiledParser.ts"
import * as JsonNesting from "./JsonNesting.ts"
import * as Messages from "./Messages.ts"
import type { ServiceName } from "./Values.ts"

export const definitions = [
  Messages.FlightScheduled,
  Messages.FlightStatusChanged,
  Messages.FlightSeatsUpdated,
  Messages.BookingCreated,
  Messages.BookingCreatedV2,
  Messages.BookingConfirmed,
  Messages.BookingCancelled,
  Messages.PaymentProcessed,
  Messages.PaymentRefunded,
  Messages.SendNotification,
] as const

type Definitions = (typeof definitions)[number]

/** Any message of the catalogue, decoded. Narrow it on `type`. */
export type AnyMessage = EnvelopeOf<Definitions>
export type MessageType = AnyMessage["type"]
export type MessageOf<T extends MessageType> = Extract<AnyMessage, { readonly type: T }>
export type DefinitionOf<T extends MessageType> = Extract<Definitions, { readonly type: T }>

/** The JSON form of a message, as it travels. */
export type EncodedMessage = Schema.Schema.Encoded<Definitions["schema"]>

export const AnyMessage: Schema.Schema<AnyMessage, EncodedMessage> = Schema.Union(
  ...definitions.map((definition) => definition.schema),
) as any

const byType = new Map<string, Map<number, AnyDefinition>>()
for (const definition of definitions) {
  const versions = byType.get(definition.type) ?? new Map<number, AnyDefinition>()
  versions.set(definition.version, definition)
  byType.set(definition.type, versions)
}

/** The newest version of each type, looked up on every publish. */
const latest = new Map([...byType].map(([type, versions]) => [type, [...versions.values()].at(-1)!]))

export const definitionOf = <T extends MessageType>(type: T): DefinitionOf<T> => latest.get(type) as DefinitionOf<T>

export const isKnownType = (type: string): type is MessageType => byType.has(type)

/** The queues' view of the catalogue: which message types a service consumes. */
export const consumedBy = (service: ServiceName): ReadonlyArray<AnyDefinition> =>
  definitions.filter((definition) => (definition.consumers as ReadonlyArray<ServiceName>).includes(service))

/**
 * Why bytes could not become a message. `malformed`: not JSON or not an envelope at all;
 * `unknown-type` / `unknown-version`: a message this build does not know; `invalid`: a known
 * message whose fields are wrong (the detail names each one).
 */
export class DecodeError extends Data.TaggedError("MessageDecodeError")<{
  readonly reason: "malformed" | "unknown-type" | "unknown-version" | "invalid"
  readonly detail: string
  readonly messageType?: string
  readonly version?: number
}> {
  override get message() {
    return `${this.reason}: ${this.detail}`
  }
}

// Built once: a codec per definition, not per message (`CompiledParser`: Effect's answers, cheaper for a message that passes).
const decoders = new Map(definitions.map((definition) => [
  definition as AnyDefinition,
  CompiledParser.strictDecoder(definition.schema as Schema.Schema<AnyMessage, EncodedMessage>),
]))
const encoders = new Map(definitions.map((definition) => [
  definition as AnyDefinition,
  CompiledParser.encoderSync(definition.schema as Schema.Schema<AnyMessage, EncodedMessage>),
]))

/** A decode failure's issues, each with its path: what `DecodeError.detail` says. */
export const describeIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ")

/**
 * The definition an envelope already parsed from JSON names by its type and version, or why there is
 * none: not an envelope (`malformed`), or a message this build does not know.
 */
export const definitionFor = (input: unknown): Either.Either<AnyDefinition, DecodeError> => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return Either.left(new DecodeError({ reason: "malformed", detail: "a message must be a JSON object" }))
  }
  const { type, version } = input as { type?: unknown; version?: unknown }
  if (typeof type !== "string") {
    return Either.left(new DecodeError({ reason: "malformed", detail: "type: expected a string" }))
  }
  if (typeof version !== "number" || !Number.isInteger(version)) {
    return Either.left(new DecodeError({ reason: "malformed", detail: "version: expected an integer", messageType: type }))
  }
  const versions = byType.get(type)
  if (versions === undefined) {
    return Either.left(new DecodeError({ reason: "unknown-type", detail: `no message of type "${type}"`, messageType: type, version }))
  }
  const definition = versions.get(version)
  if (definition === undefined) {
    return Either.left(new DecodeError({
      reason: "unknown-version",
      detail: `"${type}" has no version ${version} (known: ${[...versions.keys()].join(", ")})`,
      messageType: type,
      version,
    }))
  }
  return Either.right(definition)
}

/** Decodes an envelope already parsed from JSON. */
export const decode = (input: unknown): Either.Either<AnyMessage, DecodeError> => {
  const found = definitionFor(input)
  if (Either.isLeft(found)) return Either.left(found.left)
  const definition = found.right
  const { type, version } = definition
  return decoders.get(definition)!(input).pipe(
    Either.mapLeft((error) => new DecodeError({ reason: "invalid", detail: describeIssues(error), messageType: type, version })),
  ) as Either.Either<AnyMessage, DecodeError>
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Decodes a message from its JSON text (or the bytes of it). */
export const decodeJson = (text: string | Uint8Array): Either.Either<AnyMessage, DecodeError> => {
  let parsed: unknown
  try {
    const json = typeof text === "string" ? text : utf8.decode(text)
    // Refused before parsing: decoding and describing a document nested thousands deep overflows the stack.
    if (JsonNesting.exceeds(json)) return Either.left(new DecodeError({ reason: "malformed", detail: JsonNesting.tooDeep() }))
    parsed = JSON.parse(json)
  } catch (cause) {
    return Either.left(new DecodeError({ reason: "malformed", detail: `not JSON: ${(cause as Error).message}` }))
  }
  return decode(parsed)
}

/** Encodes a message to its JSON form. Messages are built from their Schemas, so this cannot fail. */
export const encode = (message: AnyMessage): EncodedMessage =>
  // By the message's own version: while a new version rolls out, producers still send the old one.
  encoders.get(byType.get(message.type)!.get(message.version)!)!(message)

export const encodeJson = (message: AnyMessage): string => JSON.stringify(encode(message))
