/**
 * Instances of `Schema.Class`es made as their constructor makes them, with their fields checked by a
 * parser built once.
 *
 * A class's constructor checks its fields with `ParseResult.validateSync`, which takes the type side
 * of the fields' Schema (`SchemaAST.typeAST`) at every call. For a class with a transformed field (a
 * `DateTimeUtc`, whose type side is `DateTimeUtcFromSelf`) that is a new AST each time, so Effect's
 * parser cache never finds it and a whole parser is built for each instance: 9-16 µs a booking,
 * flight or notification against 1.5-3 µs with the parser built once (docs/benchmarks.md, "Classes
 * made with a parser built once"). `maker` takes the type side once, checks with the compiled parser
 * of `CompiledParser` (Effect's own answers, failures included), and gives the checked fields to the
 * constructor with its check turned off.
 *
 * Every field is given: the type side has no constructor defaults (a class that has some still has
 * them for its own constructor). For classes without annotations of their own (a title, say, which
 * the constructor's errors would name and these do not).
 */
import { Either, Schema } from "effect"
import * as CompiledParser from "./CompiledParser.ts"

/** The annotation Effect titles a class's constructor Schema with (`SchemaAST.AutoTitleAnnotationId`, internal to Effect). */
const autoTitle = Symbol.for("effect/annotation/AutoTitle")

/** What `maker` needs of a class: its fields, and its constructor. */
export interface Constructible<Fields extends Schema.Struct.Fields, Self> {
  readonly identifier: string
  readonly fields: Fields
  new (props: Schema.Struct.Type<Fields>, options?: boolean): Self
}

/**
 * `(props) => new Class(props)`, the same instance or the same `ParseError` thrown (the fields as
 * the class declares them, undeclared keys dropped), the fields checked by a parser built here once.
 */
export const maker = <Fields extends Schema.Struct.Fields, Self>(Class: Constructible<Fields, Self>) => {
  // Titled as the constructor's own Schema is, so that its errors read the same (a class with a
  // constructor default has a transformation for fields, whose type side neither title reaches).
  const fields = Schema.Struct(Class.fields).annotations({ [autoTitle]: `${Class.identifier} (Constructor)` })
  const check = CompiledParser.decoder(Schema.typeSchema(fields))
  // Its own properties copied first, as the constructor copies them: inherited ones are not fields.
  return (props: Schema.Struct.Type<Fields>): Self =>
    new Class(Either.getOrThrowWith(check({ ...(props as Record<string, unknown>) }), (error) => error) as Schema.Struct.Type<Fields>, true)
}
