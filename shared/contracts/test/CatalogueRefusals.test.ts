/**
 * What the catalogue refuses before it looks at a message's fields: a type or version this build
 * does not know (unknown-type, unknown-version), and bytes that are not an envelope (malformed):
 * not UTF-8, not JSON, nested too deep, not an object, no string type or integer version.
 */
import { describe, expect, test } from "bun:test"
import { FastCheck } from "effect"
import { Catalogue, JsonNesting } from "../src/index.ts"
import { anyMessage } from "./fixtures.ts"
import { rejection } from "./support/Rejection.ts"

const { decode, decodeJson, encode } = Catalogue

describe("a message this build does not know", () => {
  const knownTypes = new Set<string>(Catalogue.definitions.map((definition) => definition.type))

  test("an unknown type is rejected as unknown-type, naming the type", () => {
    const unknownType = FastCheck.string().filter((type) => !knownTypes.has(type))
    FastCheck.assert(FastCheck.property(anyMessage, unknownType, (message, type) => {
      const error = rejection(decodeJson(JSON.stringify({ ...encode(message), type })))
      expect(error.reason).toBe("unknown-type")
      expect(error.messageType).toBe(type)
      expect(error.detail).toBe(`no message of type "${type}"`)
    }))
  })

  test("a known type with an unknown version is rejected as unknown-version, naming the known versions", () => {
    FastCheck.assert(FastCheck.property(anyMessage, FastCheck.integer(), (message, version) => {
      const known = Catalogue.definitions.filter((definition) => definition.type === message.type)
        .map((definition) => definition.version as number)
      FastCheck.pre(!known.includes(version))
      const error = rejection(decodeJson(JSON.stringify({ ...encode(message), version })))
      expect(error.reason).toBe("unknown-version")
      expect(error.messageType).toBe(message.type)
      expect(error.version).toBe(version)
      expect(error.detail).toContain(`has no version ${version} (known: ${known.join(", ")})`)
    }))
  })
})

describe("bytes that are not an envelope are malformed", () => {
  const isJson = (text: string) => {
    try {
      JSON.parse(text)
      return true
    } catch {
      return false
    }
  }

  test("text that is not JSON", () => {
    FastCheck.assert(FastCheck.property(FastCheck.string().filter((text) => !isJson(text)), (text) => {
      const error = rejection(decodeJson(text))
      expect(error.reason).toBe("malformed")
      expect(error.detail).toStartWith("not JSON")
    }))
  })

  test("bytes that are not UTF-8", () => {
    const error = rejection(decodeJson(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))
    expect(error.reason).toBe("malformed")
  })

  test("a message nested thousands of levels deep is refused as too deep, not a stack overflow", () => {
    FastCheck.assert(FastCheck.property(anyMessage, (message) => {
      const deep = "[".repeat(10_000) + "]".repeat(10_000)
      const error = rejection(decodeJson(JSON.stringify(encode(message)).replace(/^\{"/, `{"nested":${deep},"`)))
      expect(error.reason).toBe("malformed")
      expect(error.detail).toBe(JsonNesting.tooDeep())
    }), { numRuns: 5 })
  })

  test("JSON that is not an object", () => {
    const notAnObject = FastCheck.jsonValue().filter((value) =>
      value === null || typeof value !== "object" || Array.isArray(value)
    )
    FastCheck.assert(FastCheck.property(notAnObject, (value) => {
      const error = rejection(decodeJson(JSON.stringify(value)))
      expect(error.reason).toBe("malformed")
      expect(error.detail).toBe("a message must be a JSON object")
    }))
  })

  test("an object whose type is missing or not a string", () => {
    const notAString = FastCheck.option(FastCheck.jsonValue().filter((value) => typeof value !== "string"), {
      nil: undefined,
    })
    FastCheck.assert(FastCheck.property(anyMessage, notAString, (message, type) => {
      const { type: _, ...rest } = encode(message)
      const error = rejection(decode(type === undefined ? rest : { ...rest, type }))
      expect(error.reason).toBe("malformed")
      expect(error.detail).toStartWith("type:")
    }))
  })

  test("an object whose version is missing or not an integer", () => {
    const notAnInteger = FastCheck.option(
      FastCheck.jsonValue().filter((value) => !(typeof value === "number" && Number.isInteger(value))),
      { nil: undefined },
    )
    FastCheck.assert(FastCheck.property(anyMessage, notAnInteger, (message, version) => {
      const { version: _, ...rest } = encode(message)
      const error = rejection(decode(version === undefined ? rest : { ...rest, version }))
      expect(error.reason).toBe("malformed")
      expect(error.detail).toStartWith("version:")
      expect(error.messageType).toBe(message.type)
    }))
  })
})
