/**
 * The queues and bindings derived from the catalogue: one binding per consumed message type, even
 * while several versions of a message are defined (they share the routing key, so a second binding
 * would deliver each message twice on the in-process bus).
 */
import { Catalogue } from "@flight/contracts"
import { describe, expect, it } from "bun:test"
import * as Topology from "../src/Topology.ts"

describe("Topology", () => {
  const topology = Topology.make("topology-test")

  it("binds each consuming service's queue once per message type it consumes", () => {
    for (const service of topology.services) {
      const keys = topology.bindings.filter((binding) => binding.queue === topology.queueOf(service)).map((binding) => binding.routingKey)
      expect(keys.toSorted()).toEqual([...new Set(Catalogue.consumedBy(service).map((definition) => definition.type))].toSorted())
    }
  })

  it("booking.created, defined in two versions, reaches flight, payment and notification through one binding each", () => {
    const versions = Catalogue.definitions.filter((definition) => definition.type === "booking.created")
    expect(versions.map((definition) => definition.version)).toEqual([1, 2])
    const queues = topology.bindings.filter((binding) => binding.routingKey === "booking.created").map((binding) => binding.queue)
    expect(queues).toEqual(["flight", "payment", "notification"].map((service) => `topology-test.${service}`))
  })

  it("events go to the events exchange and commands to the commands exchange", () => {
    const send = topology.bindings.find((binding) => binding.routingKey === "notification.send")
    expect(send?.exchange).toBe(topology.commandsExchange)
    expect(topology.bindings.find((binding) => binding.routingKey === "booking.created")?.exchange).toBe(topology.eventsExchange)
  })
})
