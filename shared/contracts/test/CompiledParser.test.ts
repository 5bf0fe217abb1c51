/**
 * The compiled parsers answer exactly what Effect's do: the same value (key order included) for
 * valid input, the same error for invalid input, in each mode the services use, over the whole
 * message catalogue and over Schemas of every shape the fast path knows or leaves to Effect. And the
 * fast path reaches what it is for: every valid message is decoded and encoded without Effect's parser.
 */
import { describe, expect, test } from "bun:test"
import { Arbitrary, Either, FastCheck, ParseResult, Schema } from "effect"
import { type AnyMessage, Catalogue, type EncodedMessage } from "../src/index.ts"
import * as CompiledParser from "../src/CompiledParser.ts"
import { missingField, unknownField, wrongKind } from "./support/Spoiling.ts"

const strict = { errors: "all", onExcessProperty: "error" } as const
const modes = [undefined, { errors: "all" }, strict, { onExcessProperty: "ignore" }] as const

/** An answer as plain data: the value, or the error as Effect's tree formatter writes it. */
const answer = (result: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.match(result, { onLeft: (error) => ({ error: ParseResult.TreeFormatter.formatErrorSync(error) }), onRight: (value) => ({ value }) })

/** Equal answers, and for values the same keys in the same order (JSON follows it). */
const expectSame = (ours: Either.Either<unknown, ParseResult.ParseError>, theirs: Either.Either<unknown, ParseResult.ParseError>) => {
  expect(answer(ours)).toEqual(answer(theirs))
  const keyOrder = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v))
  if (Either.isRight(ours) && Either.isRight(theirs)) expect(keyOrder(ours.right)).toBe(keyOrder(theirs.right))
}

describe("CompiledParser over the catalogue", () => {
  for (const definition of Catalogue.definitions) {
    const schema = definition.schema as Schema.Schema<AnyMessage, EncodedMessage>
    const messages = Arbitrary.make(schema)
    const name = `${definition.type} v${definition.version}`

    test(`${name}: a valid message is encoded and decoded without Effect's parser, to what Effect answers`, () => {
      const decodeAlone = CompiledParser.answersAlone(schema, "decode", strict)
      const encodeAlone = CompiledParser.answersAlone(schema, "encode")
      const encode = CompiledParser.encoder(schema)
      const theirs = Schema.encodeUnknownEither(schema)
      FastCheck.assert(FastCheck.property(messages, (message) => {
        expect(encodeAlone(message)).toBe(true)
        expectSame(encode(message), theirs(message))
        const encoded = JSON.parse(JSON.stringify(Schema.encodeSync(schema)(message)))
        expect(decodeAlone(encoded)).toBe(true)
      }))
    })

    test(`${name}: the strict decode answers what Effect's answers, valid or spoiled`, () => {
      const ours = CompiledParser.strictDecoder(schema)
      const theirs = Schema.decodeUnknownEither(schema, strict)
      const inputs = FastCheck.oneof(
        messages.map((message) => Catalogue.encode(message) as unknown),
        FastCheck.tuple(messages, FastCheck.nat()).map(([message, pick]) => unknownField(definition, message, pick).encoded),
        FastCheck.tuple(messages, FastCheck.nat(), FastCheck.nat()).map(([message, pick, kind]) => wrongKind(definition, message, pick, kind).encoded),
        FastCheck.tuple(messages, FastCheck.nat()).map(([message, pick]) => missingField(definition, message, pick).encoded),
      )
      FastCheck.assert(FastCheck.property(inputs, (input) => expectSame(ours(input), theirs(input))))
    })
  }
})

interface Tree {
  readonly name: string
  readonly children: ReadonlyArray<Tree>
}
const Tree: Schema.Schema<Tree> = Schema.Struct({ name: Schema.String, children: Schema.Array(Schema.suspend(() => Tree)) })
class Point extends Schema.Class<Point>("Point")({ x: Schema.Number, y: Schema.optional(Schema.Number) }) {}
enum Colour { Red = "red", Green = 2 }

/** Schemas of the shapes the fast path knows, and of some it leaves to Effect. */
const shapes: Record<string, Schema.Schema<any, any>> = {
  "struct with optional, exact-optional and undefined-able fields": Schema.Struct({
    a: Schema.String,
    b: Schema.optional(Schema.Number),
    c: Schema.optionalWith(Schema.Boolean, { exact: true }),
    d: Schema.UndefinedOr(Schema.Literal("x")),
  }),
  "refinements and brands": Schema.Struct({
    n: Schema.Int.pipe(Schema.between(1, 9)),
    s: Schema.String.pipe(Schema.minLength(2), Schema.brand("S")),
    t: Schema.Trimmed,
  }),
  "filter on a struct": Schema.Struct({ from: Schema.Number, to: Schema.Number }).pipe(Schema.filter((r) => r.from <= r.to)),
  "transformations": Schema.Struct({
    at: Schema.DateTimeUtc,
    n: Schema.NumberFromString,
    maybe: Schema.NullOr(Schema.DateTimeUtc),
    opt: Schema.OptionFromNullOr(Schema.String),
    composed: Schema.compose(Schema.NumberFromString, Schema.Int),
  }),
  "renamed and defaulted keys": Schema.Struct({
    a: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("A")),
    b: Schema.optionalWith(Schema.Number, { default: () => 7 }),
  }),
  "discriminated union": Schema.Union(
    Schema.Struct({ kind: Schema.Literal("circle"), r: Schema.Number }),
    Schema.Struct({ kind: Schema.Literal("square"), side: Schema.Number }),
  ),
  "overlapping union": Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ a: Schema.String, b: Schema.Number })),
  "union of literals and primitives": Schema.Union(Schema.Literal("a", "b", 1, true, null), Schema.String, Schema.Number),
  "records": Schema.Record({ key: Schema.String, value: Schema.Struct({ n: Schema.Number }) }),
  // A declared key's value is the property's (a number), though the index signature accepts it too (as a string).
  "record with declared keys": Schema.Struct(
    { known: Schema.NumberFromString },
    Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) }),
  ),
  "record keyed by a refined string": Schema.Record({ key: Schema.String.pipe(Schema.minLength(2)), value: Schema.Number }),
  "map from a record keyed by a branded id": Schema.ReadonlyMapFromRecord({
    key: Schema.String.pipe(Schema.pattern(/^[a-f]{2,4}$/), Schema.brand("Id")),
    value: Schema.Struct({ n: Schema.NumberFromString }),
  }),
  "tuples and arrays": Schema.Struct({
    pair: Schema.Tuple(Schema.String, Schema.Number),
    optional: Schema.Tuple(Schema.String, Schema.optionalElement(Schema.Number)),
    rest: Schema.Tuple([Schema.String], Schema.Number, Schema.Boolean),
    list: Schema.Array(Schema.NonEmptyString),
  }),
  "recursive": Tree,
  "class": Point,
  "enums, template literals, symbols' absence": Schema.Struct({
    colour: Schema.Enums(Colour),
    id: Schema.TemplateLiteral("id-", Schema.Number),
    big: Schema.BigInt,
  }),
  "own parse options": Schema.Struct({ a: Schema.String }).annotations({ parseOptions: { onExcessProperty: "preserve" } }),
}

describe("CompiledParser over Schemas of every shape", () => {
  for (const [name, schema] of Object.entries(shapes)) {
    const values = Arbitrary.make(schema)
    const encodedValues = values.map((value) => Schema.encodeSync(schema)(value) as unknown)
    // Valid input, valid input with a stranger key, and anything at all.
    const inputs = FastCheck.oneof(
      encodedValues,
      encodedValues.map((value) => (typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value, stranger: 1 } : value)),
      FastCheck.anything(),
    )
    for (const options of modes) {
      test(`${name}, ${JSON.stringify(options) ?? "default options"}: decode and encode answer what Effect's answer`, () => {
        const decode = CompiledParser.decoder(schema, options)
        const decodeTheirs = Schema.decodeUnknownEither(schema, options)
        const encode = CompiledParser.encoder(schema, options)
        const encodeTheirs = Schema.encodeUnknownEither(schema, options)
        FastCheck.assert(FastCheck.property(inputs, (input) => expectSame(decode(input), decodeTheirs(input))))
        FastCheck.assert(FastCheck.property(values, (value) => expectSame(encode(value), encodeTheirs(value))))
        FastCheck.assert(FastCheck.property(FastCheck.anything(), (value) => expectSame(encode(value), encodeTheirs(value))))
      })
    }
  }

  test("a struct, array, union and transformation take the fast path; what it does not know goes to Effect", () => {
    const known = Schema.Struct({ at: Schema.DateTimeUtc, list: Schema.Array(Schema.NullOr(Schema.Int)), kind: Schema.Literal("a", "b") })
    expect(CompiledParser.answersAlone(known, "decode", strict)({ at: "2026-01-01T00:00:00.000Z", list: [1, null], kind: "a" })).toBe(true)
    expect(CompiledParser.answersAlone(known, "decode", strict)({ at: "2026-01-01T00:00:00.000Z", list: [1, null], kind: "a", x: 1 })).toBe(false)
    expect(CompiledParser.answersAlone(shapes["enums, template literals, symbols' absence"]!, "decode")({ colour: "red", id: "id-1", big: "1" })).toBe(false)
    expect(CompiledParser.answersAlone(shapes["own parse options"]!, "decode")({ a: "x" })).toBe(false)
    const byId = shapes["map from a record keyed by a branded id"]!
    expect(CompiledParser.answersAlone(byId, "decode", strict)({ ab: { n: "1" }, cde: { n: "2" } })).toBe(true)
    expect(CompiledParser.answersAlone(byId, "decode", strict)({ ab: { n: "1" }, XY: { n: "2" } })).toBe(false)
    expect(CompiledParser.answersAlone(known, "decode", { exact: true })({ at: "2026-01-01T00:00:00.000Z", list: [], kind: "a" })).toBe(false)
  })

  test("a union answers the member Effect answers, trying members as Effect does", () => {
    const same = (schema: Schema.Schema<any, any>, input: unknown, options?: typeof strict) =>
      expectSame(CompiledParser.decoder(schema, options)(input), Schema.decodeUnknownEither(schema, options)(input))
    const tagged = Schema.Union(Schema.Struct({ kind: Schema.Literal("a") }), Schema.Struct({ kind: Schema.Literal("b") }))
    // A tag inherited, not the input's own: Effect does not look at it.
    same(tagged, Object.create({ kind: "a" }))
    // A member Effect does not try (its tag differs) may not be asked: its filter would throw.
    const throwing = Schema.Struct({ kind: Schema.Literal("x"), n: Schema.Number.pipe(Schema.filter(() => { throw new Error("not asked") })) })
    same(Schema.Union(throwing, Schema.Struct({ kind: Schema.Literal("y"), n: Schema.Number })), { kind: "y", n: 1 })
    // An empty struct with an attached key answers its input changed in place: left to Effect, the input unchanged before it.
    const attached = Schema.Struct({}).pipe(Schema.attachPropertySignature("kind", "a"))
    const input = { kind: "x" }
    same(Schema.Union(attached, Schema.Struct({ kind: Schema.Literal("x") })), input)
    expect(input).toEqual({ kind: "x" })
    // A numeric property name beside an index signature: the property's value, as Effect keeps it.
    const numeric = Schema.extend(
      Schema.Record({ key: Schema.Literal(1), value: Schema.NumberFromString }),
      Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) }),
    )
    same(numeric, { 1: "5" })
    same(numeric, { 1: "5" }, strict)
    same(Schema.Record({ key: Schema.Literal(1, 2), value: Schema.Number }), { 1: 1, 2: 2 }, strict)
    // A record passes over a key its key Schema refuses, and so accepts the input before the struct can.
    const longKeys = Schema.Record({ key: Schema.String.pipe(Schema.minLength(2)), value: Schema.Number })
    same(Schema.Union(longKeys, Schema.Struct({ a: Schema.Number })), { a: 1 })
  })

  test("a filter is given the options the parser was asked with", () => {
    const picky = Schema.Number.pipe(Schema.filter((_, options) => options.errors !== "first"))
    expect(Either.isRight(CompiledParser.decoder(picky)(1))).toBe(true)
    expect(Either.isLeft(CompiledParser.decoder(picky, { errors: "first" })(1))).toBe(true)
  })

  test("a nested tagged union is parsed once a level, as Effect parses it, not once a member a level", () => {
    interface Node {
      readonly kind: "a" | "b"
      readonly depth: number
      readonly child: Node | null
    }
    let parsed = 0
    const Counted = Schema.Number.pipe(Schema.filter(() => (parsed++, true)))
    const Node: Schema.Schema<Node> = Schema.Union(
      Schema.Struct({ kind: Schema.Literal("a"), depth: Counted, child: Schema.NullOr(Schema.suspend(() => Node)) }),
      Schema.Struct({ child: Schema.NullOr(Schema.suspend(() => Node)), depth: Counted, kind: Schema.Literal("b") }),
    )
    const nest = (depth: number): unknown => (depth === 0 ? null : { kind: "a", depth, child: nest(depth - 1) })
    const decode = CompiledParser.decoder(Node)
    expect(CompiledParser.answersAlone(Node, "decode")(nest(24))).toBe(true)
    parsed = 0
    expect(Either.isRight(decode(nest(24)))).toBe(true)
    expect(parsed).toBe(24)
  })

  test("encoderSync throws Effect's error for a value its Schema refuses", () => {
    const encode = CompiledParser.encoderSync(Schema.Struct({ n: Schema.Int }))
    expect(encode({ n: 1 })).toEqual({ n: 1 })
    expect(() => encode({ n: 1.5 })).toThrow(ParseResult.ParseError)
  })
})
