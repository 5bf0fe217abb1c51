import { describe, expect, test } from "bun:test"
import { AsyncApi, Catalogue } from "../src/index.ts"

const document = AsyncApi.make()

/** Follows a local JSON reference (`#/a/b`) in the document. */
const resolve = (ref: string): any => {
  expect(ref).toStartWith("#/")
  return ref.slice(2).split("/").map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<any>((node, part) => node?.[part], document)
}

const refsIn = (node: unknown): ReadonlyArray<string> =>
  Array.isArray(node) ? node.flatMap(refsIn)
  : node !== null && typeof node === "object"
  ? Object.entries(node).flatMap(([key, value]) => key === "$ref" && typeof value === "string" ? [value] : refsIn(value))
  : []

describe("the AsyncAPI document", () => {
  test("is an AsyncAPI 3.0 document in plain JSON", () => {
    expect(document.asyncapi).toBe("3.0.0")
    expect(document.defaultContentType).toBe("application/json")
    expect(JSON.parse(JSON.stringify(document))).toEqual(document)
  })

  test("every reference in it resolves", () => {
    const refs = refsIn(document)
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) expect({ ref, target: resolve(ref) !== undefined }).toEqual({ ref, target: true })
  })

  test("lists every message type with its version and the JSON Schema of its envelope", () => {
    for (const definition of Catalogue.definitions) {
      const id = `${definition.type}.v${definition.version}`
      const message = document.components.messages[id]
      expect(message).toMatchObject({
        name: definition.type,
        summary: definition.description,
        contentType: "application/json",
        "x-type": definition.type,
        "x-version": definition.version,
        "x-kind": definition.kind,
        bindings: { amqp: { messageType: definition.type } },
      })
      const payload = resolve((message!.payload as { $ref: string }).$ref)
      expect(payload.type).toBe("object")
      expect(payload.required).toEqual(["id", "type", "version", "occurredAt", "correlationId", "causationId", "source", "data"])
      expect(payload.properties.type.enum).toEqual([definition.type])
      expect(payload.properties.version.enum).toEqual([definition.version])
      expect(payload.properties.data.type).toBe("object")
      expect(payload.additionalProperties).toBe(false)
      expect(document.channels[definition.type]!.messages[id]).toEqual({ $ref: `#/components/messages/${id}` })
    }
    expect(Object.keys(document.components.messages).length).toBe(Catalogue.definitions.length)
  })

  test("payload schemas carry the value rules: a seat number's pattern, money in integer minor units", () => {
    const schemas = document.components.schemas
    expect(schemas.SeatNumber).toMatchObject({ type: "string", pattern: "^[1-9][0-9]{0,2}[A-Z]$" })
    expect(resolve("#/components/schemas/Money/properties/amount")).toMatchObject({ minimum: 0 })
    expect(schemas.Int).toMatchObject({ type: "integer" })
  })

  test("puts events on the topic exchange and commands on the direct exchange, routed by type", () => {
    const custom = AsyncApi.make({ exchanges: { events: "ev", commands: "cmd" } })
    for (const definition of Catalogue.definitions) {
      const channel = custom.channels[definition.type]!
      expect(channel.address).toBe(definition.type)
      expect(channel.bindings.amqp.is).toBe("routingKey")
      expect(channel.bindings.amqp.exchange).toMatchObject(
        definition.kind === "event" ? { name: "ev", type: "topic", durable: true } : { name: "cmd", type: "direct", durable: true },
      )
    }
  })

  test("its operations are exactly who sends and who receives each message", () => {
    const declared = Catalogue.definitions.flatMap((definition) => [
      ...definition.producers.map((service) => `${service} send ${definition.type}.v${definition.version}`),
      ...definition.consumers.map((service) => `${service} receive ${definition.type}.v${definition.version}`),
    ])
    const documented = Object.values(document.operations).flatMap((operation) => {
      expect(resolve(operation.channel.$ref)).toBeDefined()
      return operation.messages.map((ref) => {
        const channelMessage = resolve(ref.$ref) as { $ref: string }
        const message = resolve(channelMessage.$ref) as AsyncApi.Message
        expect(operation.channel.$ref).toBe(`#/channels/${message["x-type"]}`)
        expect(operation.tags).toEqual([{ name: operation["x-service"] }])
        return `${operation["x-service"]} ${operation.action} ${message["x-type"]}.v${message["x-version"]}`
      })
    })
    expect(documented.sort()).toEqual(declared.sort())
  })

  test("a message with no consumer yet is still sent", () => {
    const seatsUpdated = Object.entries(document.operations).filter(([, operation]) =>
      operation.channel.$ref === "#/channels/flight.seats-updated"
    )
    expect(seatsUpdated.map(([id]) => id)).toEqual(["flight-sends-flight.seats-updated"])
  })
})

describe("the README", () => {
  test("shows the message table generated from the catalogue", async () => {
    const readme = await Bun.file(new URL("../README.md", import.meta.url)).text()
    expect(readme).toContain(AsyncApi.messageTable())
  })
})

test("docs/asyncapi.json is the document the catalogue generates (regenerate: bun run asyncapi > docs/asyncapi.json)", async () => {
  const committed = await Bun.file(new URL("../../../docs/asyncapi.json", import.meta.url)).json()
  expect(committed).toEqual(JSON.parse(JSON.stringify(AsyncApi.make())))
})
