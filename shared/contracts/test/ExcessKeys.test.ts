/**
 * The undeclared-key check `Catalogue.decode` leans on: it never misses an undeclared key (or the
 * lenient decode would let one through), it lets every valid message of the catalogue take the
 * cheap path, and the catalogue's decode answers exactly what the strict decode answers.
 */
import { describe, expect, test } from "bun:test"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import { type AnyMessage, Catalogue, type EncodedMessage } from "../src/index.ts"
import * as ExcessKeys from "../src/ExcessKeys.ts"
import { missingField, unknownField, wrongKind } from "./support/Spoiling.ts"

const strict = { onExcessProperty: "error", errors: "all" } as const

/** An Either as plain data: the encoded message, or the error's detail. */
const outcome = (result: Either.Either<unknown, { readonly message: string }>, encodeWith: (value: unknown) => unknown) =>
  Either.match(result, { onLeft: (error) => ({ error: error.message }), onRight: (value) => ({ value: encodeWith(value) }) })

describe("ExcessKeys over the catalogue", () => {
  for (const definition of Catalogue.definitions) {
    const schema = definition.schema as Schema.Schema<AnyMessage, EncodedMessage>
    const messages = Arbitrary.make(schema)
    const check = ExcessKeys.checkOf(schema.ast)
    const strictly = Schema.decodeUnknownEither(schema, strict)
    const name = `${definition.type} v${definition.version}`

    test(`${name}: a valid message holds no undeclared key, so it is decoded on the cheap path`, () => {
      FastCheck.assert(FastCheck.property(messages, (message) => {
        expect(check(JSON.parse(Catalogue.encodeJson(message)))).toBe(false)
      }))
    })

    test(`${name}: a field the contract does not declare, anywhere, is always seen`, () => {
      FastCheck.assert(FastCheck.property(messages, FastCheck.nat(), (message, pick) => {
        expect(check(unknownField(definition, message, pick).encoded)).toBe(true)
      }))
    })

    test(`${name}: the catalogue's decode answers what the strict decode answers, valid or spoiled`, () => {
      const spoiled = FastCheck.oneof(
        messages.map((message) => Catalogue.encode(message) as unknown),
        FastCheck.tuple(messages, FastCheck.nat()).map(([message, pick]) => unknownField(definition, message, pick).encoded),
        FastCheck.tuple(messages, FastCheck.nat(), FastCheck.nat()).map(([message, pick, kind]) => wrongKind(definition, message, pick, kind).encoded),
        FastCheck.tuple(messages, FastCheck.nat()).map(([message, pick]) => missingField(definition, message, pick).encoded),
      )
      FastCheck.assert(FastCheck.property(spoiled, (input) => {
        const ours = outcome(Either.mapLeft(Catalogue.decode(input), (error) => ({ message: error.detail })), (value) => Catalogue.encode(value as AnyMessage))
        const theirs = outcome(Either.mapLeft(strictly(input), (error) => ({ message: Catalogue.describeIssues(error) })), (value) => Catalogue.encode(value as AnyMessage))
        expect(ours).toEqual(theirs)
      }))
    })
  }
})

describe("ExcessKeys where it cannot be sure", () => {
  test("a union of two object shapes, a record keyed by a refined string, a declaration: always maybe for objects", () => {
    const unions = ExcessKeys.checkOf(Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.String })).ast)
    const refinedKeys = ExcessKeys.checkOf(Schema.Record({ key: Schema.String.pipe(Schema.minLength(2)), value: Schema.Number }).ast)
    const declared = ExcessKeys.checkOf(Schema.OptionFromSelf(Schema.Struct({ a: Schema.String })).ast)
    for (const check of [unions, refinedKeys, declared]) {
      expect(check({})).toBe(true)
      expect(check("text")).toBe(false)
    }
  })

  test("a Schema it cannot see into is decoded strictly at once, with the strict answers", () => {
    class Point extends Schema.Class<Point>("Point")({ x: Schema.Number }) {}
    const decode = ExcessKeys.strictDecoder(Point)
    expect(Either.isRight(decode({ x: 1 }))).toBe(true)
    const refused = decode({ x: 1, y: 2 })
    expect(Either.isLeft(refused) && Catalogue.describeIssues(refused.left)).toContain("y")
  })

  test("structs inside arrays, records, nullable and recursive fields are looked into", () => {
    interface Tree {
      readonly name: string
      readonly children: ReadonlyArray<Tree>
    }
    const Tree: Schema.Schema<Tree> = Schema.Struct({ name: Schema.String, children: Schema.Array(Schema.suspend(() => Tree)) })
    const check = ExcessKeys.checkOf(Schema.Struct({
      tree: Tree,
      byName: Schema.Record({ key: Schema.String, value: Schema.Struct({ n: Schema.Number }) }),
      maybe: Schema.NullOr(Schema.Struct({ m: Schema.Number })),
      pair: Schema.Tuple(Schema.Struct({ x: Schema.Number }), Schema.String),
    }).ast)
    const valid = { tree: { name: "a", children: [{ name: "b", children: [] }] }, byName: { k: { n: 1 } }, maybe: null, pair: [{ x: 1 }, "y"] }
    expect(check(valid)).toBe(false)
    expect(check({ ...valid, extra: 1 })).toBe(true)
    expect(check({ ...valid, tree: { name: "a", children: [{ name: "b", children: [], extra: 1 }] } })).toBe(true)
    expect(check({ ...valid, byName: { k: { n: 1, extra: 1 } } })).toBe(true)
    expect(check({ ...valid, maybe: { m: 1, extra: 1 } })).toBe(true)
    expect(check({ ...valid, pair: [{ x: 1, extra: 1 }, "y"] })).toBe(true)
    expect(check({ ...valid, [Symbol("hidden")]: 1 })).toBe(true)
  })
})
