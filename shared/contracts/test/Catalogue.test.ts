import { describe, expect, test } from "bun:test"
import { Arbitrary, Either, FastCheck, type Schema, SchemaAST } from "effect"
import { type AnyMessage, Catalogue, type EncodedMessage, JsonNesting } from "../src/index.ts"
import type { AnyDefinition } from "../src/Envelope.ts"
import { anyMessage } from "./fixtures.ts"

const { decode, decodeJson, encode, encodeJson } = Catalogue

const rejection = (result: Either.Either<unknown, Catalogue.DecodeError>): Catalogue.DecodeError => {
  if (Either.isRight(result)) throw new Error(`expected a rejection, decoded ${JSON.stringify(result.right)}`)
  return result.left
}

/** The detail lists issues as `path: message; ...`: true when one of them is about exactly this path. */
const names = (detail: string, path: ReadonlyArray<PropertyKey>): boolean =>
  `; ${detail}`.includes(`; ${path.length > 0 ? path.map(String).join(".") : "(root)"}: `)

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

// --- Spoiling a message: the JSON kinds each place of the envelope accepts, read from its Schema.

type Kind = "string" | "number" | "boolean" | "null" | "object" | "array"
const allKinds: ReadonlyArray<Kind> = ["string", "number", "boolean", "null", "object", "array"]
const sampleOf: Record<Kind, unknown> = { string: "wrong", number: 7, boolean: true, null: null, object: {}, array: [] }
const kindOf = (value: unknown): Kind =>
  value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as Kind)

const unwrap = (ast: SchemaAST.AST): SchemaAST.AST =>
  SchemaAST.isRefinement(ast) ? unwrap(ast.from)
  : SchemaAST.isTransformation(ast) ? unwrap(ast.from)
  : SchemaAST.isSuspend(ast) ? unwrap(ast.f())
  : ast

const acceptedKinds = (node: SchemaAST.AST): ReadonlySet<Kind> => {
  const ast = unwrap(node)
  switch (ast._tag) {
    case "StringKeyword":
    case "TemplateLiteral":
      return new Set(["string"])
    case "NumberKeyword":
      return new Set(["number"])
    case "BooleanKeyword":
      return new Set(["boolean"])
    case "Literal":
      return new Set([kindOf(ast.literal)])
    case "UndefinedKeyword":
    case "NeverKeyword":
      return new Set()
    case "TypeLiteral":
      return new Set(["object"])
    case "TupleType":
      return new Set(["array"])
    case "Union":
      return new Set(ast.types.flatMap((member) => [...acceptedKinds(member)]))
    default:
      return new Set(allKinds) // anything goes: no wrong kind to try
  }
}

/** The Schema a value matches: for a union (`NullOr(Struct)`, say), the member of the value's kind. */
const resolve = (node: SchemaAST.AST, value: unknown): SchemaAST.AST => {
  const ast = unwrap(node)
  return SchemaAST.isUnion(ast)
    ? unwrap(ast.types.find((member) => acceptedKinds(member).has(kindOf(value))) ?? ast)
    : ast
}

/** The Schema of a value found under a container: a struct's field, a record's value, an array's item. */
const childOf = (container: SchemaAST.AST, value: unknown, key: string | number) => {
  const ast = resolve(container, value)
  if (SchemaAST.isTypeLiteral(ast)) {
    const field = ast.propertySignatures.find((signature) => signature.name === key)
    if (field !== undefined) return { ast: field.type, required: !field.isOptional }
    const index = ast.indexSignatures[0]
    if (index !== undefined) return { ast: index.type, required: false }
  }
  if (SchemaAST.isTupleType(ast) && typeof key === "number") {
    const element = ast.elements[key] ?? ast.rest[0]
    if (element !== undefined) return { ast: element.type, required: false }
  }
  throw new Error(`no Schema for ${String(key)}`)
}

interface Place {
  readonly path: ReadonlyArray<string | number>
  readonly value: unknown
  readonly ast: SchemaAST.AST
  readonly required: boolean
}

/** Every place in an encoded message, beside its Schema (type and version decide how it is decoded). */
const placesOf = (definition: AnyDefinition, encoded: unknown): ReadonlyArray<Place> => {
  const places: Array<Place> = []
  const visit = (value: unknown, ast: SchemaAST.AST, path: ReadonlyArray<string | number>) => {
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : value !== null && typeof value === "object"
      ? Object.entries(value)
      : []
    for (const [key, child] of entries) {
      if (path.length === 0 && (key === "type" || key === "version")) continue
      const { ast: childAst, required } = childOf(ast, value, key)
      places.push({ path: [...path, key], value: child, ast: childAst, required })
      visit(child, childAst, [...path, key])
    }
  }
  visit(encoded, SchemaAST.encodedAST(definition.schema.ast), [])
  return places
}

/** A struct (not a record, whose keys are free) accepts no field it does not declare. */
const isStruct = (ast: SchemaAST.AST, value: unknown) => {
  const resolved = resolve(ast, value)
  return SchemaAST.isTypeLiteral(resolved) && resolved.indexSignatures.length === 0
}

const setAt = (root: any, path: ReadonlyArray<string | number>, update: (parent: any, key: string | number) => void) => {
  let parent = root
  for (const key of path.slice(0, -1)) parent = parent[key]
  update(parent, path.at(-1)!)
}

type Spoiled = { readonly encoded: unknown; readonly path: ReadonlyArray<string | number> }

const wrongKind = (definition: AnyDefinition, message: AnyMessage, pick: number, kindPick: number): Spoiled => {
  const encoded = structuredClone(encode(message)) as object
  const places = placesOf(definition, encoded)
    .map((place) => ({ ...place, wrong: allKinds.filter((kind) => !acceptedKinds(place.ast).has(kind)) }))
    .filter((place) => place.wrong.length > 0)
  const place = places[pick % places.length]!
  const replacement = structuredClone(sampleOf[place.wrong[kindPick % place.wrong.length]!])
  setAt(encoded, place.path, (parent, key) => (parent[key] = replacement))
  return { encoded, path: place.path }
}

const unknownField = (definition: AnyDefinition, message: AnyMessage, pick: number): Spoiled => {
  const encoded = structuredClone(encode(message)) as object
  const structs = [
    { path: [], ast: SchemaAST.encodedAST(definition.schema.ast), value: encoded, required: false },
    ...placesOf(definition, encoded),
  ].filter((place) => isStruct(place.ast, place.value))
  const struct = structs[pick % structs.length]!
  const path = [...struct.path, "notInTheContract"]
  setAt(encoded, path, (parent, key) => (parent[key] = "surprise"))
  return { encoded, path }
}

const missingField = (definition: AnyDefinition, message: AnyMessage, pick: number): Spoiled => {
  const encoded = structuredClone(encode(message)) as object
  const required = placesOf(definition, encoded).filter((place) => place.required)
  const place = required[pick % required.length]!
  setAt(encoded, place.path, (parent, key) => delete parent[key])
  return { encoded, path: place.path }
}

// ---

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
