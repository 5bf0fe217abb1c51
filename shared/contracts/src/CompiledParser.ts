/**
 * Schema decoders and encoders that answer exactly what Effect's do, cheaper for input that is valid.
 *
 * Effect's parser builds, at every node of every value, an `Either` (and on a union, a search tree's
 * candidates), and asks a parser of the union of expected keys about each key when undeclared keys are
 * refused: a message's decode took about 10 µs and its encode 8 µs, most of it that bookkeeping. Here
 * the Schema's AST is compiled once into plain functions that mirror Effect's parser node for node (the
 * same filters, declarations and transformations are called, with the same options) but only say
 * "this value" or "not sure". Whenever they are not sure (invalid input, or an AST or option they do
 * not know), Effect's own parser runs and its answer (its error included) is the one given. So the
 * fast path never has to describe a failure, and cannot give a different value: it is property-tested
 * against Effect's answers for every Schema it serves (`CompiledParser.test.ts`).
 *
 * Known: keywords, literals, enums, refinements (filters and brands), transformations (as Effect's
 * internal `getFinalTransformation` runs them), structs and records keyed by strings (refined or not),
 * arrays and tuples of required elements, unions (members tried in Effect's order, `UnionSearch`),
 * suspended Schemas, declarations. Not known, so always left to Effect: template literals, optional
 * tuple elements, index signatures keyed otherwise, empty structs, a node carrying its own parse
 * options or a decoding fallback, options beyond `errors` and `onExcessProperty`.
 *
 * Filters, transformations and declarations must be pure, as Effect's own are: when the fast path
 * gives up part-way, Effect's parser runs them again, on the same input.
 */
import { Either, Option, type ParseResult, Predicate, Schema, SchemaAST as AST } from "effect"
import * as UnionSearch from "./UnionSearch.ts"

/** The fast path's answers besides a value: Effect's parser surely refuses the input, or may go either way. */
const refused: unique symbol = Symbol("CompiledParser/refused")
const unsure: unique symbol = Symbol("CompiledParser/unsure")
const isValue = (result: unknown) => result !== refused && result !== unsure

type Parser = (input: unknown) => unknown

const never: Parser = () => unsure

interface Mode {
  readonly decoding: boolean
  readonly excess: "ignore" | "error"
  readonly options: AST.ParseOptions
  readonly memo: WeakMap<AST.AST, Parser>
}

const parserOf = (ast: AST.AST, mode: Mode): Parser => {
  const known = mode.memo.get(ast)
  if (known !== undefined) return known
  // Set before compiling, so that a recursive (suspended) Schema finds itself.
  let compiled: Parser = never
  mode.memo.set(ast, (input) => compiled(input))
  compiled = Option.isSome(AST.getParseOptionsAnnotation(ast)) || Option.isSome(AST.getDecodingFallbackAnnotation(ast))
    ? never
    : compile(ast, mode)
  mode.memo.set(ast, compiled)
  return compiled
}

const when = (test: (input: unknown) => boolean): Parser => (input) => (test(input) ? input : refused)

/** The keywords whose check is a type test, as Effect's parser makes it. */
const keywordGuards = {
  StringKeyword: Predicate.isString,
  NumberKeyword: Predicate.isNumber,
  BooleanKeyword: Predicate.isBoolean,
  BigIntKeyword: Predicate.isBigInt,
  SymbolKeyword: Predicate.isSymbol,
  ObjectKeyword: Predicate.isObject,
} satisfies Record<string, (input: unknown) => boolean>

const dropRightRefinement = (ast: AST.AST): AST.AST => (AST.isRefinement(ast) ? dropRightRefinement(ast.from) : ast)

/** What a result of Effect's (a declaration's, a transformation's) says, if it says it at once. */
const settled = (result: unknown): unknown =>
  Either.isEither(result) ? (Either.isRight(result) ? result.right : refused) : unsure

const compile = (ast: AST.AST, mode: Mode): Parser => {
  switch (ast._tag) {
    case "Literal":
      return when((input) => input === ast.literal)
    case "UniqueSymbol":
      return when((input) => input === ast.symbol)
    case "UndefinedKeyword":
      return when((input) => input === undefined)
    case "NeverKeyword":
      return () => refused
    case "UnknownKeyword":
    case "AnyKeyword":
    case "VoidKeyword":
      return (input) => input
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "BigIntKeyword":
    case "SymbolKeyword":
    case "ObjectKeyword":
      return when(keywordGuards[ast._tag])
    case "Enums":
      return when((input) => ast.enums.some(([, value]) => value === input))
    case "Declaration": {
      const parse = mode.decoding ? ast.decodeUnknown(...ast.typeParameters) : ast.encodeUnknown(...ast.typeParameters)
      return (input) => settled(parse(input, mode.options, ast))
    }
    case "Refinement":
      return refinement(ast, mode)
    case "Transformation":
      return transformation(ast, mode)
    case "TypeLiteral":
      return typeLiteral(ast, mode)
    case "TupleType":
      return tuple(ast, mode)
    case "Union":
      return union(ast, mode)
    case "Suspend": {
      let target: Parser | undefined
      return (input) => (target ??= parserOf(ast.f(), mode))(input)
    }
    default:
      return never
  }
}

/** Decoding: the `from` side, then the filter. Encoding, as Effect does: the whole type side checked, then the `from` side encoded. */
const refinement = (ast: AST.Refinement, mode: Mode): Parser => {
  if (mode.decoding) {
    const from = parserOf(ast.from, mode)
    return (input) => {
      const value = from(input)
      if (!isValue(value)) return value
      return Option.isSome(ast.filter(value, mode.options, ast)) ? refused : value
    }
  }
  const checked = parserOf(AST.typeAST(ast), modeOf(true, mode.options)!)
  const to = parserOf(dropRightRefinement(ast.from), mode)
  return (input) => {
    const value = checked(input)
    return isValue(value) ? to(value) : value
  }
}

/** What Effect's parser does between a transformation's two sides (its `getFinalTransformation`, which is internal). */
const stepOf = (
  transformation: AST.TransformationKind,
  decoding: boolean,
): (input: any, options: AST.ParseOptions, self: AST.Transformation, original: unknown) => unknown => {
  switch (transformation._tag) {
    case "FinalTransformation":
      return decoding ? transformation.decode : transformation.encode
    case "ComposeTransformation":
      return Either.right
    case "TypeLiteralTransformation":
      // Renamed keys and keys given defaults: applied in place, in order, to the object the first side made.
      return (input: Record<PropertyKey, unknown>) => {
        for (const signature of transformation.propertySignatureTransformations) {
          const [from, to] = decoding ? [signature.from, signature.to] : [signature.to, signature.from]
          const value = (decoding ? signature.decode : signature.encode)(
            Object.prototype.hasOwnProperty.call(input, from) ? Option.some(input[from]) : Option.none(),
          )
          delete input[from]
          if (Option.isSome(value)) input[to] = value.value
        }
        return Either.right(input)
      }
  }
}

const transformation = (ast: AST.Transformation, mode: Mode): Parser => {
  const transform = stepOf(ast.transformation, mode.decoding)
  const from = parserOf(mode.decoding ? ast.from : ast.to, mode)
  const to = parserOf(mode.decoding ? ast.to : ast.from, mode)
  return (input) => {
    const value = from(input)
    if (!isValue(value)) return value
    const transformed = settled(transform(value, mode.options, ast, input))
    return isValue(transformed) ? to(transformed) : transformed
  }
}

/** Whether an index signature's keys are a string's, maybe refined (`Schema.String`, a branded id): those Effect reads with `Object.keys`. */
const keyedByString = (parameter: AST.AST): boolean =>
  parameter._tag === "StringKeyword" || (parameter._tag === "Refinement" && keyedByString(parameter.from))

const typeLiteral = (ast: AST.TypeLiteral, mode: Mode): Parser => {
  // An empty struct answers its input itself, which a transformation after it may change in place: left to Effect.
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) return never
  const index = ast.indexSignatures[0]
  if (ast.indexSignatures.length > 1 || (index !== undefined && !keyedByString(index.parameter))) return never
  const properties = ast.propertySignatures.map((signature) => ({
    name: signature.name,
    isOptional: signature.isOptional,
    parse: parserOf(signature.type, mode),
  }))
  const keys = index === undefined ? null : parserOf(index.parameter, mode)
  const values = index === undefined ? null : parserOf(index.type, mode)
  // The keys Effect expects, as it compares them (a numeric name does not match the key "1")...
  const names = new Set<PropertyKey>(properties.map((property) => property.name))
  // ...and the keys an index signature leaves to the declared property (there, "1" is the name 1).
  const declared = new Set<PropertyKey>(properties.map(({ name }) => (typeof name === "symbol" ? name : String(name))))
  return (input) => {
    if (!Predicate.isRecord(input)) return refused
    if (mode.excess === "error") {
      for (const key of Reflect.ownKeys(input)) {
        if (names.has(key)) continue
        if (keys === null || typeof key !== "string") return refused
        // A key the index signature's key Schema refuses is undeclared.
        const accepted = keys(key)
        if (!isValue(accepted)) return accepted
      }
    }
    const record = input as Record<PropertyKey, unknown>
    const output: Record<PropertyKey, unknown> = {}
    for (const property of properties) {
      if (property.isOptional && !Object.prototype.hasOwnProperty.call(record, property.name)) continue
      const value = property.parse(record[property.name])
      if (!isValue(value)) return value
      output[property.name] = value
    }
    if (keys !== null && values !== null) {
      for (const key of Object.keys(record)) {
        // Effect passes over a key its key Schema refuses (refused above when undeclared keys are errors).
        const accepted = keys(key)
        if (accepted === refused) continue
        if (accepted === unsure) return unsure
        const value = values(record[key])
        if (!isValue(value)) return value
        if (!declared.has(key)) output[key] = value
      }
    }
    return output
  }
}

/** Arrays and tuples of required elements, with at most one rest element (`Schema.Array`). */
const tuple = (ast: AST.TupleType, mode: Mode): Parser => {
  if (ast.elements.some((element) => element.isOptional) || ast.rest.length > 1) return never
  const elements = ast.elements.map((element) => parserOf(element.type, mode))
  const rest = ast.rest.length === 1 ? parserOf(ast.rest[0]!.type, mode) : null
  return (input) => {
    if (!Array.isArray(input) || input.length < elements.length) return refused
    if (rest === null && input.length > elements.length) return refused
    const output: Array<unknown> = []
    for (let i = 0; i < input.length; i++) {
      const value = (i < elements.length ? elements[i]! : rest!)(input[i])
      if (!isValue(value)) return value
      output.push(value)
    }
    return output
  }
}

/** The members in the order Effect tries them (`UnionSearch`), the first to accept the input the answer. */
const union = (ast: AST.Union, mode: Mode): Parser => {
  const tree = UnionSearch.treeOf(ast.types, mode.decoding)
  const parsers = new Map(ast.types.map((member) => [member, parserOf(member, mode)]))
  return (input) => {
    for (const member of UnionSearch.candidatesOf(tree, input)) {
      const value = parsers.get(member)!(input)
      // A value is the answer; "not sure" about a member Effect tries before others leaves it all to Effect.
      if (value !== refused) return value
    }
    return refused
  }
}

const memos = new Map<string, WeakMap<AST.AST, Parser>>()

/** Options the fast path knows (with any other, Effect's parser alone answers), and the compiled parsers for them. */
const modeOf = (decoding: boolean, options: AST.ParseOptions | undefined): Mode | null => {
  const { errors: _errors, onExcessProperty, ...rest } = options ?? {}
  if (Object.values(rest).some((value) => value !== undefined && value !== false)) return null
  const excess = onExcessProperty ?? "ignore"
  if (excess === "preserve") return null
  // Filters and transformations are given the options as they are: parsers are not shared between options.
  const key = `${decoding}/${JSON.stringify(options ?? null)}`
  const memo = memos.get(key) ?? new WeakMap<AST.AST, Parser>()
  memos.set(key, memo)
  return { decoding, excess, options: options ?? AST.defaultParseOption, memo }
}

const withFallback = <A>(
  parse: Parser | null,
  reference: (input: unknown) => Either.Either<A, ParseResult.ParseError>,
) =>
  parse === null ? reference : (input: unknown): Either.Either<A, ParseResult.ParseError> => {
    let value: unknown
    try {
      value = parse(input)
    } catch {
      // A filter or transformation that threw (say, on a member Effect would not have tried): Effect decides.
      value = unsure
    }
    return isValue(value) ? Either.right(value as A) : reference(input)
  }

/** `Schema.decodeUnknownEither(schema, options)`, answering the same. */
export const decoder = <A, I, R>(schema: Schema.Schema<A, I, R>, options?: AST.ParseOptions) => {
  const mode = modeOf(true, options)
  return withFallback<A>(mode && parserOf(schema.ast, mode), Schema.decodeUnknownEither(schema as Schema.Schema<A, I>, options))
}

/** `Schema.encodeUnknownEither(schema, options)`, answering the same. */
export const encoder = <A, I, R>(schema: Schema.Schema<A, I, R>, options?: AST.ParseOptions) => {
  const mode = modeOf(false, options)
  return withFallback<I>(mode && parserOf(schema.ast, mode), Schema.encodeUnknownEither(schema as Schema.Schema<A, I>, options))
}

/** `Schema.encodeSync(schema)`: the encoded value, or Effect's `ParseError` thrown. */
export const encoderSync = <A, I, R>(schema: Schema.Schema<A, I, R>) => {
  const encode = encoder(schema)
  return (value: A): I => Either.getOrThrowWith(encode(value), (error) => error)
}

/** The strict decode of messages, request bodies and queries: every issue reported, undeclared keys refused. */
export const strictDecoder = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  decoder(schema, { errors: "all", onExcessProperty: "error" })

/** Whether the compiled path answers `input` by itself, Effect's parser not asked: how far the fast path reaches. */
export const answersAlone = <A, I, R>(schema: Schema.Schema<A, I, R>, direction: "decode" | "encode", options?: AST.ParseOptions) => {
  const mode = modeOf(direction === "decode", options)
  const parse = mode && parserOf(schema.ast, mode)
  return (input: unknown): boolean => parse !== null && isValue(parse(input))
}
