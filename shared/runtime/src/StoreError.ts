/**
 * A service's store failed: one shape for every service's store error, so that one rule shows it
 * (`Problems.store`: transient → 503 with Retry-After, otherwise a bare 500) and one policy can
 * retry it (`transient`). Each service keeps a tag of its own, so its typed unions still say whose
 * store it is:
 *
 * ```ts
 * // services/booking/src/domain/BookingRepository.ts
 * export class BookingStoreError extends StoreError.Tagged("BookingStoreError", "booking") {}
 *
 * new BookingStoreError({ operation: "hold", reason: "connection refused" })      // transient
 * new BookingStoreError({ operation: "read", reason: "stored booking is invalid", transient: false })
 * ```
 */
import { Schema } from "effect"

export const TypeId: unique symbol = Symbol.for("@flight/runtime/StoreError")

export interface StoreError {
  readonly [TypeId]: typeof TypeId
  readonly _tag: string
  /** Whose store, as the message names it: "booking", "flight". */
  readonly store: string
  /** What was asked of it: "hold", "read", "migrate". */
  readonly operation: string
  readonly reason: string
  /**
   * The store failed or could not be reached, and the same call may succeed later; false when it
   * holds what this build cannot read, or answered what cannot be, where retrying changes nothing.
   */
  readonly transient: boolean
  readonly message: string
}

const fields = {
  operation: Schema.String,
  reason: Schema.String,
  transient: Schema.optionalWith(Schema.Boolean, { default: () => true }),
}

/**
 * The class of a service's store errors, with its own `tag`: fields `operation`, `reason` and
 * `transient` (true unless said otherwise), and the message `<store> store, <operation>: <reason>`.
 */
export const Tagged = <const Tag extends string>(tag: Tag, store: string) => {
  class ServiceStoreError extends Schema.TaggedError<ServiceStoreError>()(tag, fields) implements StoreError {
    get [TypeId](): typeof TypeId {
      return TypeId
    }
    get store(): string {
      return store
    }
    override get message(): string {
      return `${store} store, ${this.operation}: ${this.reason}`
    }
  }
  return ServiceStoreError
}

/** Whether `u` is a store error of any service. */
export const is = (u: unknown): u is StoreError => typeof u === "object" && u !== null && TypeId in u

/** A store error worth retrying. */
export const isTransient = (u: unknown): boolean => is(u) && u.transient

/** What a driver's failure says: an `Error`'s message, anything else as text (the reason of a store error). */
export const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
