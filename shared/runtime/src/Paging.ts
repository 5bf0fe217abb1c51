/**
 * The query fields and cursor of a paged list (DESIGN §3: `limit`, default 20, max 100, and an
 * opaque `cursor`; the answer `{ items, nextCursor }`), once for every service:
 *
 * ```ts
 * export const HistoryQuery = Schema.Struct({ bookingId: BookingId, ...Paging.offsetFields })
 * export const History = Paging.page(PaymentView, Paging.OffsetCursor).annotations({ identifier: "PaymentHistory" })
 *
 * const offset = Paging.offsetOf(query)
 * const found = yield* store.history({ bookingId: query.bookingId, offset, limit: query.limit })
 * return { items: found.items.map(viewOf), nextCursor: Paging.nextOffset(offset, query.limit, found.more) }
 * ```
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

/**
 * The query fields of a paged list, to spread into its query Struct: `limit` (from 1 to `max`,
 * `fallback` when absent; 100 and 20 unless given) and an optional `cursor`.
 */
export const fields = <C extends Schema.Schema.All>(
  cursor: C,
  options?: { readonly max?: number; readonly fallback?: number },
) => ({
  limit: options === undefined ? limit : limitOf(options.max ?? 100, options.fallback ?? 20),
  cursor: Schema.optional(cursor),
})

/** The query fields of a list paged by offset: `limit` (1 to 100, 20 when absent) and its `cursor`. */
export const offsetFields = fields(OffsetCursor)

/** The answer of a paged list: `{ items, nextCursor }`, `nextCursor` null on the last page. */
export const page = <I extends Schema.Schema.Any, C extends Schema.Schema.Any>(item: I, cursor: C) =>
  Schema.Struct({ items: Schema.Array(item), nextCursor: Schema.NullOr(cursor) })

/** Where a page of a list paged by offset starts: its cursor's offset, 0 for the first page. */
export const offsetOf = (query: { readonly cursor?: { readonly offset: number } | undefined }): number =>
  query.cursor?.offset ?? 0

/** The cursor of the page after `limit` items from `offset`; null when no more follow. */
export const nextOffset = (offset: number, limit: number, more: boolean): { readonly offset: number } | null =>
  more ? { offset: offset + limit } : null
