/**
 * Spoiling an encoded message at a place its Schema names, for the catalogue's property tests: a
 * field of a JSON kind it does not accept, a field the contract does not declare, a required field
 * missing. The kinds each place accepts are read from the message's Schema.
 */
import { SchemaAST } from "effect"
import { type AnyMessage, Catalogue } from "../../src/index.ts"
import type { AnyDefinition } from "../../src/Envelope.ts"

const { encode } = Catalogue

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

export const wrongKind = (definition: AnyDefinition, message: AnyMessage, pick: number, kindPick: number): Spoiled => {
  const encoded = structuredClone(encode(message)) as object
  const places = placesOf(definition, encoded)
    .map((place) => ({ ...place, wrong: allKinds.filter((kind) => !acceptedKinds(place.ast).has(kind)) }))
    .filter((place) => place.wrong.length > 0)
  const place = places[pick % places.length]!
  const replacement = structuredClone(sampleOf[place.wrong[kindPick % place.wrong.length]!])
  setAt(encoded, place.path, (parent, key) => (parent[key] = replacement))
  return { encoded, path: place.path }
}

export const unknownField = (definition: AnyDefinition, message: AnyMessage, pick: number): Spoiled => {
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

export const missingField = (definition: AnyDefinition, message: AnyMessage, pick: number): Spoiled => {
  const encoded = structuredClone(encode(message)) as object
  const required = placesOf(definition, encoded).filter((place) => place.required)
  const place = required[pick % required.length]!
  setAt(encoded, place.path, (parent, key) => delete parent[key])
  return { encoded, path: place.path }
}
