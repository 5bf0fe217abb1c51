/**
 * The query fields and cursor of a paged list (DESIGN §3: `limit`, default 20, max 100, and an
 * opaque `cursor`; the answer `{ items, nextCursor }`), once for every service.
 */
import { Schema } from "effect"

/** A `limit` query field: a whole number from 1 to `max` (at most 999), `fallback` when absent. */
export const limitOf = (max: number, fallback: number) =>
  Schema.optionalWith(
    Schema.String.pipe(
      Schema.pattern(/^[0-9]{1,3}$/),
      Schema.compose(Schema.NumberFromString),
      Schema.int(),
      Schema.between(1, max),
      Schema.annotations({ message: () => ({ message: `must be a whole number from 1 to ${max}`, override: true }) }),
    ),
    { default: () => fallback },
  )

/** `limit`: a whole number from 1 to 100, 20 when absent. */
export const limit = limitOf(100, 20)

/** A cursor opaque to clients: base64url of the JSON of `position`, where the next page starts. */
export const cursorOf = <A, I>(position: Schema.Schema<A, I>) =>
  Schema.StringFromBase64Url.pipe(
    Schema.compose(Schema.parseJson(position)),
    Schema.annotations({
      identifier: "Cursor",
      description: "the nextCursor of the previous page",
      message: () => ({ message: "is not a cursor from a previous page", override: true }),
    }),
  )

/** The cursor of a list paged by offset: `{ offset }`. */
export const OffsetCursor = cursorOf(Schema.Struct({ offset: Schema.Int.pipe(Schema.nonNegative()) }))
