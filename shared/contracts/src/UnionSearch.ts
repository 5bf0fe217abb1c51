/**
 * The order in which Effect's parser tries a union's members for an input, and which it does not try
 * at all: its search tree (internal to `ParseResult`), mirrored so that `CompiledParser` answers the
 * member Effect answers. Members with a required literal property (a tag such as `type: "a"`, on the
 * side being parsed) are put in buckets by the literal's text; an input is tried against the members
 * of the buckets its own tag values name, then against the members without tags, in order, and the
 * first that accepts it is the answer. Tried this way, a tagged union is parsed in linear time, as
 * Effect parses it, however deeply it nests.
 */
import { Option, SchemaAST as AST } from "effect"

type Tag = readonly [name: PropertyKey, literal: AST.Literal]

/** A member's tags: its required properties (or tuple elements) whose type is a literal. */
const tagsOf = (ast: AST.AST, decoding: boolean): ReadonlyArray<Tag> => {
  const sideOf = (type: AST.AST) => (decoding ? AST.encodedAST(type) : AST.typeAST(type))
  switch (ast._tag) {
    case "Declaration": {
      const surrogate = AST.getSurrogateAnnotation(ast)
      return Option.isSome(surrogate) ? tagsOf(surrogate.value, decoding) : []
    }
    case "TypeLiteral":
      return ast.propertySignatures.flatMap((signature): Array<Tag> => {
        const type = sideOf(signature.type)
        return AST.isLiteral(type) && !signature.isOptional ? [[signature.name, type]] : []
      })
    case "TupleType":
      return ast.elements.flatMap((element, index): Array<Tag> => {
        const type = sideOf(element.type)
        return AST.isLiteral(type) && !element.isOptional ? [[index, type]] : []
      })
    case "Refinement":
      return tagsOf(ast.from, decoding)
    case "Suspend":
      return tagsOf(ast.f(), decoding)
    case "Transformation":
      return tagsOf(decoding ? ast.from : ast.to, decoding)
    default:
      return []
  }
}

export interface SearchTree {
  /** The tags' names, in the order Effect looks at them, each with its members by the literal's text. */
  readonly keys: ReadonlyArray<readonly [name: PropertyKey, buckets: Record<string, ReadonlyArray<AST.AST>>]>
  /** The members without a tag, tried after the tagged ones. */
  readonly otherwise: ReadonlyArray<AST.AST>
}

/** The search tree of a union's members, built as Effect builds it (quirks included). */
export const treeOf = (members: ReadonlyArray<AST.AST>, decoding: boolean): SearchTree => {
  const keys: Record<PropertyKey, Record<string, Array<AST.AST>>> = {}
  const otherwise: Array<AST.AST> = []
  for (const member of members) {
    const tags = tagsOf(member, decoding)
    if (tags.length === 0) {
      otherwise.push(member)
      continue
    }
    // A member goes in the bucket of its first tag not yet taken by another member (or of its last).
    for (let j = 0; j < tags.length; j++) {
      const [name, literal] = tags[j]!
      const buckets = (keys[name] ??= {})
      const text = String(literal.literal)
      if (Object.prototype.hasOwnProperty.call(buckets, text)) {
        if (j < tags.length - 1) continue
        buckets[text]!.push(member)
      } else {
        buckets[text] = [member]
        break
      }
    }
  }
  return { keys: Reflect.ownKeys(keys).map((name) => [name, keys[name]!] as const), otherwise }
}

/** The members Effect tries for `input`, in its order. (Like Effect's, it throws for a tag value `String` cannot write.) */
export const candidatesOf = (tree: SearchTree, input: unknown): ReadonlyArray<AST.AST> => {
  if (tree.keys.length === 0) return tree.otherwise
  const candidates: Array<AST.AST> = []
  if (typeof input === "object" && input !== null) {
    for (const [name, buckets] of tree.keys) {
      if (!Object.prototype.hasOwnProperty.call(input, name)) continue
      const text = String((input as Record<PropertyKey, unknown>)[name])
      if (Object.prototype.hasOwnProperty.call(buckets, text)) candidates.push(...buckets[text]!)
    }
  }
  candidates.push(...tree.otherwise)
  return candidates
}
