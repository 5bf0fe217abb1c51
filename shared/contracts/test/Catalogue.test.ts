/**
 * Every message of the catalogue, as a property: it survives encodeJson then decodeJson unchanged,
 * and a field of the wrong kind, a field the contract does not declare or a required field missing
 * makes it invalid, the detail naming the field. Input that is no known message is
 * CatalogueRefusals.test.ts's.
 */
import { describe, expect, test } from "bun:test"
import { Arbitrary, Either, FastCheck, type Schema } from "effect"
import { type AnyMessage, Catalogue, type EncodedMessage } from "../src/index.ts"
import { names, rejection } from "./support/Rejection.ts"
import { missingField, unknownField, wrongKind } from "./support/Spoiling.ts"

const { decode, decodeJson, encode, encodeJson } = Catalogue

/**
 * JSON has no negative zero: -0 travels as 0. Everything else in an encoded message must survive
 * JSON unchanged, so the comparison only forgives that.
 */
const withoutNegativeZero = (value: unknown): unknown =>
  Object.is(value, -0) ? 0
  : Array.isArray(value) ? value.map(withoutNegativeZero)
  : value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype
  ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, withoutNegativeZero(field)]))
  : value

describe("every message of the catalogue", () => {
  for (const definition of Catalogue.definitions) {
    const messages = Arbitrary.make(definition.schema as Schema.Schema<AnyMessage, EncodedMessage>)
    const name = `${definition.type} v${definition.version}`

    test(`${name} survives encodeJson then decodeJson unchanged, and its encoded form is plain JSON`, () => {
      FastCheck.assert(FastCheck.property(messages, (message) => {
        const encoded = encode(message)
        expect(JSON.parse(JSON.stringify(encoded))).toStrictEqual(withoutNegativeZero(encoded))
        const decoded = decodeJson(encodeJson(message))
        if (Either.isLeft(decoded)) throw decoded.left
        expect(decoded.right.type).toBe(definition.type)
        expect(decoded.right.version).toBe(definition.version)
        expect<unknown>(encode(decoded.right)).toStrictEqual(withoutNegativeZero(encoded))
      }))
    })

    test(`${name} with a field of the wrong kind is invalid, and the detail names the field`, () => {
      FastCheck.assert(FastCheck.property(messages, FastCheck.nat(), FastCheck.nat(), (message, pick, kindPick) => {
        const { encoded, path } = wrongKind(definition, message, pick, kindPick)
        const error = rejection(decode(encoded))
        expect(error.reason).toBe("invalid")
        expect({ path: path.join("."), named: names(error.detail, path) }).toEqual({ path: path.join("."), named: true })
        expect(error.messageType).toBe(definition.type)
        expect(error.version).toBe(definition.version)
      }))
    })

    test(`${name} with a field the contract does not declare is invalid, and the detail names it`, () => {
      FastCheck.assert(FastCheck.property(messages, FastCheck.nat(), (message, pick) => {
        const { encoded, path } = unknownField(definition, message, pick)
        const error = rejection(decode(encoded))
        expect(error.reason).toBe("invalid")
        expect({ path: path.join("."), named: names(error.detail, path) }).toEqual({ path: path.join("."), named: true })
      }))
    })

    test(`${name} without a required field is invalid, and the detail names the missing field`, () => {
      FastCheck.assert(FastCheck.property(messages, FastCheck.nat(), (message, pick) => {
        const { encoded, path } = missingField(definition, message, pick)
        const error = rejection(decode(encoded))
        expect(error.reason).toBe("invalid")
        expect({ path: path.join("."), named: names(error.detail, path) }).toEqual({ path: path.join("."), named: true })
      }))
    })
  }
})
