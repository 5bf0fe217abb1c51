import { describe, expect, test } from "bun:test"
import { Effect, Schema } from "effect"
import { StoreError } from "../src/index.ts"

class BookingStoreError extends StoreError.Tagged("BookingStoreError", "booking") {}
class FlightStoreError extends StoreError.Tagged("FlightStoreError", "flight") {}

describe("StoreError", () => {
  test("a service's store error keeps its own tag and says whose store failed and how", () => {
    const error = new BookingStoreError({ operation: "hold", reason: "connection refused" })
    const tag: "BookingStoreError" = error._tag
    expect([tag, error.store, error.operation, error.reason]).toEqual(["BookingStoreError", "booking", "hold", "connection refused"])
    expect(error.message).toBe("booking store, hold: connection refused")
    expect(error).toBeInstanceOf(BookingStoreError)
    expect(error).not.toBeInstanceOf(FlightStoreError)
  })

  test("is transient unless said otherwise: data it cannot read is not", () => {
    expect(new FlightStoreError({ operation: "update", reason: "connection reset" }).transient).toBe(true)
    const unreadable = new FlightStoreError({ operation: "read", reason: "stored flight is invalid", transient: false })
    expect(unreadable.transient).toBe(false)
    expect([StoreError.isTransient(unreadable), StoreError.isTransient(new BookingStoreError({ operation: "a", reason: "b" }))]).toEqual([false, true])
  })

  test("is recognised whatever its service, and nothing else is", () => {
    expect(StoreError.is(new BookingStoreError({ operation: "a", reason: "b" }))).toBe(true)
    expect(StoreError.is(new FlightStoreError({ operation: "a", reason: "b" }))).toBe(true)
    for (const other of [new Error("booking store, a: b"), { _tag: "BookingStoreError", transient: true }, null, "x"]) {
      expect(StoreError.is(other)).toBe(false)
      expect(StoreError.isTransient(other)).toBe(false)
    }
  })

  test("is a typed failure caught by its tag, and a Schema of its fields", async () => {
    const caught = await Effect.runPromise(
      Effect.fail(new BookingStoreError({ operation: "hold", reason: "timeout" })).pipe(
        Effect.catchTag("BookingStoreError", (error) => Effect.succeed(error.operation)),
      ),
    )
    expect(caught).toBe("hold")
    const decoded = Schema.decodeUnknownSync(BookingStoreError)({ _tag: "BookingStoreError", operation: "read", reason: "x" })
    expect([decoded.transient, decoded.message]).toEqual([true, "booking store, read: x"])
    expect(Schema.encodeSync(BookingStoreError)(decoded)).toEqual({ _tag: "BookingStoreError", operation: "read", reason: "x", transient: true })
  })
})
