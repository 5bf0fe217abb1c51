/**
 * Whether an input may hold a key its Schema does not declare, read from the Schema's AST once.
 *
 * Decoding with `onExcessProperty: "error"` asks, for every key of every object, whether the key is
 * expected, by running a parser of the union of the expected keys: about 40% of a message's strict
 * decode. `strictDecoder` (messages, request bodies and queries) instead decodes with the excess
 * keys ignored, which answers the same value whenever there are none, and asks this check; only when
 * it says "maybe" (or the decode failed) does the strict decode run, whose answer (and error) is
 * then the one given. So this check
 * may say "maybe" when unsure, never "no" for an input with an undeclared key: any AST it does not
 * fully know (a declaration holding objects, a union of several object shapes, a key schema other
 * than a plain string) answers "maybe".
 */
import { Either, type ParseResult, Schema, SchemaAST as AST } from "effect"

/** Answers true when `input` may hold an undeclared key somewhere the Schema would reject it. */
export type Check = (input: unknown) => boolean

const none: Check = () => false
const maybe: Check = (input) => typeof input === "object" && input !== null

/** Whether an AST can stand for an object or an array (so a value of it can hold keys). */
const holdsObjects = (ast: AST.AST): boolean => {
  switch (ast._tag) {
    case "TypeLiteral":
    case "TupleType":
    case "Declaration":
    case "Suspend":
    case "ObjectKeyword":
    case "UnknownKeyword":
    case "AnyKeyword":
      return true
    case "Refinement":
      return holdsObjects(ast.from)
    case "Transformation":
      return holdsObjects(ast.from)
    case "Union":
      return ast.types.some(holdsObjects)
    default:
      return false
  }
}

const memo = new WeakMap<AST.AST, Check>()

/** The check for an AST, as its encoded side is decoded (compiled once per AST node). */
export const checkOf = (ast: AST.AST): Check => {
  const known = memo.get(ast)
  if (known !== undefined) return known
  // Set before compiling, so a recursive (suspended) Schema finds itself.
  let compiled: Check = maybe
  memo.set(ast, (input) => compiled(input))
  compiled = compile(ast)
  memo.set(ast, compiled)
  return compiled
}

const compile = (ast: AST.AST): Check => {
  if (!holdsObjects(ast)) return none
  switch (ast._tag) {
    case "Refinement":
      return checkOf(ast.from)
    case "Transformation":
      // A struct's own property transformations keep the keys the `from` struct already checked;
      // any other transformation could make objects of its own: unsure.
      return ast.transformation._tag === "TypeLiteralTransformation" ? checkOf(ast.from) : maybe
    case "Suspend":
      return checkOf(ast.f())
    case "Union": {
      const objects = ast.types.filter(holdsObjects)
      return objects.length === 1 ? checkOf(objects[0]!) : maybe
    }
    case "TupleType": {
      // Elements past the declared ones are refused in every mode: only the elements' own keys matter.
      if (ast.rest.length > 1) return maybe
      const elements = ast.elements.map((element) => checkOf(element.type))
      const rest = ast.rest.length === 1 ? checkOf(ast.rest[0]!.type) : none
      return (input) => {
        if (!Array.isArray(input)) return maybe(input)
        for (let index = 0; index < input.length; index++) {
          if ((index < elements.length ? elements[index]! : rest)(input[index])) return true
        }
        return false
      }
    }
    case "TypeLiteral": {
      const signatures = ast.indexSignatures
      if (signatures.length > 1 || (signatures.length === 1 && signatures[0]!.parameter._tag !== "StringKeyword")) return maybe
      const properties = new Map(ast.propertySignatures.map((property) => [property.name, checkOf(property.type)]))
      const values = signatures.length === 1 ? checkOf(signatures[0]!.type) : null
      return (input) => {
        if (typeof input !== "object" || input === null || Array.isArray(input)) return maybe(input)
        for (const key of Reflect.ownKeys(input)) {
          const property = properties.get(key)
          const check = property ?? (typeof key === "string" ? values : null)
          if (check === null) return true
          if (check(input[key as keyof typeof input])) return true
        }
        return false
      }
    }
    default:
      return maybe
  }
}

/**
 * `Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })`, answering the
 * same in every case (its errors too): input is decoded with undeclared keys ignored and looked at
 * with `checkOf`; only input that failed, or may hold an undeclared key, is decoded strictly.
 */
export const strictDecoder = <A, I>(schema: Schema.Schema<A, I>): (input: unknown) => Either.Either<A, ParseResult.ParseError> => {
  const strictly = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })
  const mayHoldExcess = checkOf(schema.ast)
  // A Schema the check cannot see into (a class, say) would only pay for both decodes.
  if (mayHoldExcess === maybe) return strictly
  const leniently = Schema.decodeUnknownEither(schema, { errors: "first" })
  return (input) => {
    const lenient = leniently(input)
    return Either.isRight(lenient) && !mayHoldExcess(input) ? lenient : strictly(input)
  }
}
