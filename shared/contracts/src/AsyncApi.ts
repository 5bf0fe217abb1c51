/**
 * The message catalogue as an AsyncAPI 3.0 document, generated from the Schemas: a channel per
 * message type (its routing key) on the events topic exchange or the commands direct exchange, a
 * message per version whose payload is the JSON Schema of its envelope, and an operation for every
 * service that sends or receives it. The same module renders the catalogue as a Markdown table.
 */
import { JSONSchema } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { definitions } from "./Catalogue.ts"
import type { AnyDefinition, MessageKind } from "./Envelope.ts"
import type { ServiceName } from "./Values.ts"

export interface Reference {
  readonly $ref: string
}

export interface Channel {
  readonly address: string
  readonly title: string
  readonly description: string
  readonly messages: Record<string, Reference>
  readonly bindings: { readonly amqp: ChannelBinding }
}

export interface ChannelBinding {
  readonly is: "routingKey"
  readonly exchange: {
    readonly name: string
    readonly type: "topic" | "direct"
    readonly durable: boolean
    readonly autoDelete: boolean
    readonly vhost: string
  }
  readonly bindingVersion: "0.3.0"
}

export interface Message {
  readonly name: string
  readonly title: string
  readonly summary: string
  readonly contentType: "application/json"
  readonly payload: JSONSchema.JsonSchema7
  readonly headers: JSONSchema.JsonSchema7
  readonly tags: ReadonlyArray<{ readonly name: string }>
  readonly bindings: { readonly amqp: { readonly messageType: string; readonly bindingVersion: "0.3.0" } }
  readonly "x-type": string
  readonly "x-version": number
  readonly "x-kind": MessageKind
}

export interface Operation {
  readonly action: "send" | "receive"
  readonly channel: Reference
  readonly messages: ReadonlyArray<Reference>
  readonly title: string
  readonly tags: ReadonlyArray<{ readonly name: ServiceName }>
  readonly bindings: {
    readonly amqp: { readonly deliveryMode: 2; readonly bindingVersion: "0.3.0" } | {
      readonly ack: true
      readonly bindingVersion: "0.3.0"
    }
  }
  readonly "x-service": ServiceName
}

export interface Document {
  readonly asyncapi: "3.0.0"
  readonly info: { readonly title: string; readonly version: string; readonly description: string }
  readonly defaultContentType: "application/json"
  readonly channels: Record<string, Channel>
  readonly operations: Record<string, Operation>
  readonly components: {
    readonly schemas: Record<string, JSONSchema.JsonSchema7>
    readonly messages: Record<string, Message>
  }
}

/** The exchanges messages are published to; the bus owns the real names and passes them in. */
export interface Exchanges {
  readonly events: string
  readonly commands: string
}

export const defaultExchanges: Exchanges = { events: "flight-booking.events", commands: "flight-booking.commands" }

/** A message's id in the document: the identifier of its envelope Schema, e.g. `booking.created.v1`. */
export const messageId = (definition: AnyDefinition): string => `${definition.type}.v${definition.version}`

export const operationId = (service: ServiceName, action: "send" | "receive", type: string): string =>
  `${service}-${action === "send" ? "sends" : "receives"}-${type}`

const bindingVersion = "0.3.0" as const

// W3C trace context travels in AMQP headers, so a trace continues through the broker.
const headers: JSONSchema.JsonSchema7 = {
  type: "object",
  properties: {
    traceparent: { type: "string", description: "W3C trace context of the operation that produced the message" },
    tracestate: { type: "string", description: "W3C vendor trace state" },
  },
  required: [],
  additionalProperties: true,
}

const groupByType = (all: ReadonlyArray<AnyDefinition>): Map<string, ReadonlyArray<AnyDefinition>> => {
  const byType = new Map<string, Array<AnyDefinition>>()
  for (const definition of all) byType.set(definition.type, [...(byType.get(definition.type) ?? []), definition])
  return byType
}

export const make = (options: {
  readonly definitions?: ReadonlyArray<AnyDefinition> | undefined
  readonly exchanges?: Exchanges | undefined
} = {}): Document => {
  const all = options.definitions ?? definitions
  const exchanges = options.exchanges ?? defaultExchanges
  // Shared definitions (UuidV7, Money, ...) land once in components.schemas and every payload
  // refers to them there; JSONSchema.make's own `#/$defs/` references would not resolve inside
  // an AsyncAPI document.
  const schemas: Record<string, JSONSchema.JsonSchema7> = {}
  const messages: Record<string, Message> = {}
  const channels: Record<string, Channel> = {}
  const operations: Record<string, Operation> = {}

  for (const [type, versions] of groupByType(all)) {
    const kind = versions[0]!.kind
    const channelMessages: Record<string, Reference> = {}
    for (const definition of versions) {
      const id = messageId(definition)
      messages[id] = {
        name: type,
        title: `${type} v${definition.version}`,
        summary: definition.description,
        contentType: "application/json",
        payload: JSONSchema.fromAST(definition.schema.ast, { definitions: schemas, definitionPath: "#/components/schemas/" }),
        headers,
        tags: [{ name: definition.kind }],
        bindings: { amqp: { messageType: type, bindingVersion } },
        "x-type": type,
        "x-version": definition.version,
        "x-kind": definition.kind,
      }
      channelMessages[id] = { $ref: `#/components/messages/${id}` }
    }
    channels[type] = {
      address: type,
      title: type,
      description: kind === "event"
        ? `Events of type ${type}, published to the topic exchange ${exchanges.events} with routing key ${type}.`
        : `Commands of type ${type}, sent to the direct exchange ${exchanges.commands} with routing key ${type}.`,
      messages: channelMessages,
      bindings: {
        amqp: {
          is: "routingKey",
          exchange: {
            name: kind === "event" ? exchanges.events : exchanges.commands,
            type: kind === "event" ? "topic" : "direct",
            durable: true,
            autoDelete: false,
            vhost: "/",
          },
          bindingVersion,
        },
      },
    }
    for (const action of ["send", "receive"] as const) {
      const services = new Set(versions.flatMap((definition) => action === "send" ? definition.producers : definition.consumers))
      for (const service of services) {
        const handled = versions.filter((definition) =>
          (action === "send" ? definition.producers : definition.consumers).includes(service)
        )
        operations[operationId(service, action, type)] = {
          action,
          channel: { $ref: `#/channels/${type}` },
          messages: handled.map((definition) => ({ $ref: `#/channels/${type}/messages/${messageId(definition)}` })),
          title: `${service} ${action === "send" ? "sends" : "receives"} ${type}`,
          tags: [{ name: service }],
          // Messages are persistent and acknowledged only once handled: delivery is at-least-once.
          bindings: { amqp: action === "send" ? { deliveryMode: 2, bindingVersion } : { ack: true, bindingVersion } },
          "x-service": service,
        }
      }
    }
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title: "Flight booking system messages",
      version: packageJson.version,
      description: "Every message the services exchange over RabbitMQ, generated from the Schemas in @flight/contracts.",
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: { schemas, messages },
  }
}

/** The catalogue as a Markdown table: type, version, kind, producers, consumers, description. */
export const messageTable = (all: ReadonlyArray<AnyDefinition> = definitions): string => {
  const list = (services: ReadonlyArray<ServiceName>) => services.length === 0 ? "none" : services.join(", ")
  return [
    "| type | version | kind | producers | consumers | description |",
    "|---|---|---|---|---|---|",
    ...all.map((definition) =>
      `| \`${definition.type}\` | ${definition.version} | ${definition.kind} | ${list(definition.producers)} | ${
        list(definition.consumers)
      } | ${definition.description.replaceAll("|", "\\|")} |`
    ),
  ].join("\n")
}
