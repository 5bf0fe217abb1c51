import { describe, expect, test } from "bun:test"
import { Either, JSONSchema, Schema } from "effect"
import { Paging, Problem } from "../src/index.ts"

const BookingId = Schema.UUID.pipe(Schema.brand("BookingId"))
const bookingId = "0192f5a4-5c7e-7b3a-9f1d-2c3b4a5d6e7f"
const cursorAt = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString("base64url")

/** The field errors of a query as a route reports them, or its decoded value. */
const decodeQuery = <A, I>(schema: Schema.Schema<A, I>) => (query: Record<string, string>) =>
  Either.mapLeft(
    Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(query),
    (error) => Problem.fieldErrors("query", error),
  )

const queries: ReadonlyArray<Record<string, string>> = [
  { bookingId },
  { bookingId, limit: "1" },
  { bookingId, limit: "100", cursor: cursorAt(40) },
  { bookingId, limit: "101" },
  { bookingId, limit: "0" },
  { bookingId, limit: "2.5" },
  { bookingId, limit: "1e2" },
  { bookingId, limit: "0007" },
  { bookingId, cursor: "not-a-cursor" },
  { bookingId, cursor: cursorAt(-1) },
  { bookingId, limit: "x", cursor: "%%" },
]

describe("Paging", () => {
  test("the offset fields decode a query as the services' own limit and cursor did, messages alike", () => {
    const shared = decodeQuery(Schema.Struct({ bookingId: BookingId, ...Paging.offsetFields }))
    const own = decodeQuery(Schema.Struct({ bookingId: BookingId, limit: Paging.limit, cursor: Schema.optional(Paging.OffsetCursor) }))
    for (const query of queries) expect(shared(query)).toEqual(own(query))
    expect(shared({ bookingId })).toEqual(Either.right({ bookingId: BookingId.make(bookingId), limit: 20 }))
    expect(shared({ bookingId, limit: "101" })).toEqual(Either.left([{ path: "query.limit", message: "must be a whole number from 1 to 100" }]))
    expect(shared({ bookingId, cursor: "x" })).toEqual(Either.left([{ path: "query.cursor", message: "is not a cursor from a previous page" }]))
  })

  test("fields take another maximum and default, as a day's departures and the dead letters do", () => {
    const departures = decodeQuery(Schema.Struct(Paging.fields(Paging.OffsetCursor, { max: 100, fallback: 50 })))
    expect(departures({})).toEqual(Either.right({ limit: 50 }))
    const deadLetters = decodeQuery(Schema.Struct(Paging.fields(Paging.OffsetCursor, { max: 200, fallback: 50 })))
    expect(deadLetters({ limit: "200" })).toEqual(Either.right({ limit: 200 }))
    expect(deadLetters({ limit: "201" })).toEqual(Either.left([{ path: "query.limit", message: "must be a whole number from 1 to 200" }]))
    const own = decodeQuery(Schema.Struct({ limit: Paging.limitOf(200, 50), cursor: Schema.optional(Paging.OffsetCursor) }))
    for (const query of [{}, { limit: "0" }, { limit: "200" }, { limit: "abc" }, { cursor: cursorAt(3) }]) {
      expect(deadLetters(query)).toEqual(own(query))
    }
  })

  test("a query with the offset fields is documented as the services' own were", () => {
    const shared = JSONSchema.make(Schema.Struct({ bookingId: BookingId, ...Paging.offsetFields }))
    const own = JSONSchema.make(Schema.Struct({ bookingId: BookingId, limit: Paging.limit, cursor: Schema.optional(Paging.OffsetCursor) }))
    expect(shared).toEqual(own)
  })

  test("a page is { items, nextCursor }, the cursor encoded and null on the last page", () => {
    const Page = Paging.page(Schema.Struct({ id: Schema.String }), Paging.OffsetCursor)
    const encoded = Schema.encodeSync(Page)({ items: [{ id: "a" }], nextCursor: { offset: 20 } })
    expect(encoded).toEqual({ items: [{ id: "a" }], nextCursor: cursorAt(20) })
    expect(Schema.decodeSync(Page)(encoded)).toEqual({ items: [{ id: "a" }], nextCursor: { offset: 20 } })
    expect(Schema.encodeSync(Page)({ items: [], nextCursor: null })).toEqual({ items: [], nextCursor: null })
  })

  test("an offset page starts at its cursor's offset and the next starts a limit further, when more follow", () => {
    expect(Paging.offsetOf({})).toBe(0)
    expect(Paging.offsetOf({ cursor: { offset: 40 } })).toBe(40)
    expect(Paging.nextOffset(40, 20, true)).toEqual({ offset: 60 })
    expect(Paging.nextOffset(40, 20, false)).toBeNull()
  })
})
