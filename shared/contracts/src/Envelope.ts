/**
 * The envelope every message travels in, and the way a message type is defined.
 * A definition pairs a type name and version with the Schema of its data; the envelope Schema
 * derived from it is what producers encode and consumers decode.
 */
import { Clock, DateTime, Effect, Schema } from "effect"
import { type ServiceName as ServiceNameType, ServiceName, UuidV7 } from "./Values.ts"

export const MessageId = UuidV7.pipe(Schema.brand("MessageId"))
export type MessageId = typeof MessageId.Type

export type MessageKind = "event" | "command"

const envelopeOf = <const T extends string, const V extends number, A, I>(
  type: T,
  version: V,
  data: Schema.Schema<A, I>,
) =>
  Schema.Struct({
    id: MessageId,
    type: Schema.Literal(type),
    version: Schema.Literal(version),
    occurredAt: Schema.DateTimeUtc,
    /** The saga this message belongs to: the id of the message (or request) that started it. */
    correlationId: UuidV7,
    /** The message that caused this one; null for the first message of a saga. */
    causationId: Schema.NullOr(MessageId),
    source: ServiceName,
    data,
  }).annotations({ identifier: `${type}.v${version}` })

export interface Definition<T extends string, V extends number, A, I> {
  readonly type: T
  readonly version: V
  readonly kind: MessageKind
  readonly description: string
  readonly producers: ReadonlyArray<ServiceNameType>
  readonly consumers: ReadonlyArray<ServiceNameType>
  readonly data: Schema.Schema<A, I>
  readonly schema: ReturnType<typeof envelopeOf<T, V, A, I>>
}

/** Any definition, whatever its type and data. */
export interface AnyDefinition {
  readonly type: string
  readonly version: number
  readonly kind: MessageKind
  readonly description: string
  readonly producers: ReadonlyArray<ServiceNameType>
  readonly consumers: ReadonlyArray<ServiceNameType>
  readonly data: Schema.Schema<any, any>
  readonly schema: Schema.Schema<any, any>
}

/** The decoded envelope of a definition. */
export type EnvelopeOf<D extends AnyDefinition> = Schema.Schema.Type<D["schema"]>

export const define = <const T extends string, const V extends number, A, I>(spec: {
  readonly type: T
  readonly version: V
  readonly kind: MessageKind
  readonly description: string
  readonly producers: ReadonlyArray<ServiceNameType>
  readonly consumers: ReadonlyArray<ServiceNameType>
  readonly data: Schema.Schema<A, I>
}): Definition<T, V, A, I> => ({ ...spec, schema: envelopeOf(spec.type, spec.version, spec.data) })

/** Where a new message stands in its saga: the message that caused it, if any. */
export interface Origin {
  readonly source: ServiceNameType
  readonly causedBy?: { readonly id: MessageId; readonly correlationId: string } | undefined
  /** Starts a saga under a known id (e.g. the id of the HTTP request's resource). */
  readonly correlationId?: string | undefined
}

export const newMessageId: Effect.Effect<MessageId> = Effect.sync(() => MessageId.make(Bun.randomUUIDv7()))

/** Builds a message of a definition: a fresh UUID v7 id, the current time, and its place in the saga. */
export const make = <T extends string, V extends number, A, I>(
  definition: Definition<T, V, A, I>,
  data: A,
  origin: Origin,
) =>
  Effect.gen(function* () {
    const id = yield* newMessageId
    const now = yield* Clock.currentTimeMillis
    return {
      id,
      type: definition.type,
      version: definition.version,
      occurredAt: DateTime.unsafeMake(now),
      correlationId: origin.causedBy?.correlationId ?? origin.correlationId ?? id,
      causationId: origin.causedBy?.id ?? null,
      source: origin.source,
      data,
    } as EnvelopeOf<Definition<T, V, A, I>>
  })
