/**
 * The broker topology, derived from the message catalogue: a topic exchange for events (routing
 * key = message type), a direct exchange for commands, one queue per consuming service bound to the
 * types it consumes, and a dead-letter exchange with one dead-letter queue per service queue.
 */
import { Catalogue, type ServiceName } from "@flight/contracts"

export interface Binding {
  readonly queue: string
  readonly exchange: string
  readonly routingKey: string
}

export interface Topology {
  readonly prefix: string
  readonly eventsExchange: string
  readonly commandsExchange: string
  readonly deadLetterExchange: string
  readonly services: ReadonlyArray<ServiceName>
  readonly queueOf: (service: ServiceName) => string
  readonly deadLetterQueueOf: (service: ServiceName) => string
  readonly bindings: ReadonlyArray<Binding>
  /** The exchange a message of this kind is published to. */
  readonly exchangeFor: (kind: "event" | "command") => string
}

const allServices: ReadonlyArray<ServiceName> = ["booking", "flight", "payment", "notification"]

export const make = (prefix: string): Topology => {
  const eventsExchange = `${prefix}.events`
  const commandsExchange = `${prefix}.commands`
  const queueOf = (service: ServiceName) => `${prefix}.${service}`
  const exchangeFor = (kind: "event" | "command") => (kind === "event" ? eventsExchange : commandsExchange)
  const services = allServices.filter((service) => Catalogue.consumedBy(service).length > 0)
  return {
    prefix,
    eventsExchange,
    commandsExchange,
    deadLetterExchange: `${prefix}.dead-letter`,
    services,
    queueOf,
    deadLetterQueueOf: (service) => `${prefix}.${service}.dead-letter`,
    exchangeFor,
    bindings: services.flatMap((service) =>
      // One binding per type: the versions of a message share its routing key.
      [...new Map(Catalogue.consumedBy(service).map((definition) => [definition.type, definition])).values()]
        .map((definition) => ({
          queue: queueOf(service),
          exchange: exchangeFor(definition.kind),
          routingKey: definition.type,
        }))
    ),
  }
}

/** The services whose queues receive a message of this type. */
export const consumersOf = (type: string): ReadonlyArray<ServiceName> =>
  Catalogue.isKnownType(type) ? Catalogue.definitionOf(type).consumers : []
