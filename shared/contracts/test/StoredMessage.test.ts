/**
 * A message read back from where its producer stored it: for every message of the catalogue (a
 * property), its envelope's fields as the message has them and its JSON as stored, which decodes to
 * the message; refused as `decodeJson` refuses it when it is not JSON, not an envelope, a type or
 * version this build does not know, or has a malformed id, correlation, source or time; published by
 * the bus as the bytes stored.
 */
import { describe, expect, test } from "bun:test"
import { Arbitrary, DateTime, Either, FastCheck, type Schema } from "effect"
import { type AnyMessage, Catalogue, type EncodedMessage, StoredMessage } from "../src/index.ts"

const reasonOf = (json: string) => Either.match(StoredMessage.read(json), { onLeft: (error) => error.reason, onRight: () => "read" })

describe("StoredMessage.read", () => {
  for (const definition of Catalogue.definitions) {
    const messages = Arbitrary.make(definition.schema as Schema.Schema<AnyMessage, EncodedMessage>)
    test(`${definition.type} v${definition.version}: its envelope's fields, and its JSON as stored, which decodes to the message`, () => {
      FastCheck.assert(FastCheck.property(messages, (message) => {
        const json = Catalogue.encodeJson(message)
        const stored = Either.getOrThrow(StoredMessage.read(json))
        expect(stored).toMatchObject({ _tag: "StoredMessage", id: message.id, type: message.type, version: message.version, correlationId: message.correlationId, source: message.source })
        expect(DateTime.toEpochMillis(stored.occurredAt)).toBe(DateTime.toEpochMillis(message.occurredAt))
        expect(stored.json).toBe(json)
        expect(StoredMessage.isStored(stored)).toBe(true)
        expect(StoredMessage.isStored(message)).toBe(false)
        expect(Catalogue.encodeJson(StoredMessage.decodeSync(stored))).toBe(json)
      }), { numRuns: 30 })
    })
  }

  const valid = (): Record<string, unknown> => ({
    id: "0190d6a0-0000-7000-8000-000000000001",
    type: "booking.confirmed",
    version: 1,
    occurredAt: "2026-12-01T09:00:00.000Z",
    correlationId: "0190d6a0-0000-7000-8000-000000000002",
    causationId: null,
    source: "booking",
    data: { anything: "the data is not read here" },
  })
  const spoiled = (change: Record<string, unknown>) => JSON.stringify({ ...valid(), ...change })

  test("reads the envelope without the data: a relay sends the data as it was stored", () => {
    expect(reasonOf(JSON.stringify(valid()))).toBe("read")
  })

  test("refuses what is not JSON or not an envelope, as malformed", () => {
    expect(reasonOf("{not json")).toBe("malformed")
    expect(reasonOf("[1, 2]")).toBe("malformed")
    expect(reasonOf(spoiled({ type: 7 }))).toBe("malformed")
    expect(reasonOf(spoiled({ version: "1" }))).toBe("malformed")
  })

  test("refuses a type or a version this build does not know, saying which, so a newer build's entry waits for a relay that knows it", () => {
    expect(reasonOf(spoiled({ type: "booking.teleported" }))).toBe("unknown-type")
    const newer = Either.flip(StoredMessage.read(spoiled({ version: 99 })))
    expect(Either.getOrThrow(newer)).toMatchObject({ reason: "unknown-version", messageType: "booking.confirmed", version: 99 })
  })

  test("refuses a malformed id, correlation, source or time, naming the field", () => {
    for (const [field, value] of [["id", "not-a-uuid"], ["correlationId", 42], ["source", "gateway"], ["occurredAt", "yesterday"]] as const) {
      const error = Either.getOrThrow(Either.flip(StoredMessage.read(spoiled({ [field]: value }))))
      expect(error.reason).toBe("invalid")
      expect(error.detail).toContain(field)
    }
    expect(reasonOf(JSON.stringify({ ...valid(), id: undefined }))).toBe("invalid")
  })
})
