/**
 * What the payment events cause: payment-failed and refund-issued to the contact remembered from
 * booking.created, nothing for a payment that succeeded, and a contact not yet known a transient
 * failure that a retry gets past.
 */
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { ContactUnknown } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { commandsTest, everything, handle, historyOf, summary, toBoth } from "./support/Handling.ts"
import { booking, bookingCreated, paymentProcessed, paymentRefunded } from "./support/Messages.ts"

describe("NotificationCommands.handle", () => {
  commandsTest("payment.processed failed after booking.created: payment-failed to the remembered contact, with the reason", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingCreated(b))
      const failed = yield* paymentProcessed(b, "failed", "card declined")
      yield* handle(failed)
      const items = (yield* historyOf(b.bookingId)).filter((item) => item.causeId === failed.id)
      expect(summary(items)).toEqual(toBoth("payment-failed"))
      for (const item of items) {
        expect(item.status).toBe("sent")
        expect(item.subject).toContain("X7K2QP")
        expect(item.body).toContain("card declined")
      }
    }))

  commandsTest("payment.processed succeeded: nothing", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingCreated(b))
      const succeeded = yield* paymentProcessed(b, "succeeded")
      yield* handle(succeeded)
      const items = yield* historyOf(b.bookingId)
      expect(items).toHaveLength(2)
      expect(items.filter((item) => item.causeId === succeeded.id)).toEqual([])
    }))

  commandsTest("payment.processed succeeded for a booking never seen: nothing, and no failure", () =>
    Effect.gen(function* () {
      yield* handle(yield* paymentProcessed(booking(), "succeeded"))
      expect(yield* everything).toEqual([])
    }))

  commandsTest("payment.refunded: refund-issued with the amount formatted", () =>
    Effect.gen(function* () {
      const b = booking()
      yield* handle(yield* bookingCreated(b))
      const refunded = yield* paymentRefunded(b)
      yield* handle(refunded)
      const items = (yield* historyOf(b.bookingId)).filter((item) => item.causeId === refunded.id)
      expect(summary(items)).toEqual(toBoth("refund-issued"))
      for (const item of items) {
        expect(item.status).toBe("sent")
        expect(item.subject).toBe("Refund for booking X7K2QP")
        expect(item.body).toContain("£900.00")
      }
    }))

  commandsTest("payment.processed failed for a booking never seen: ContactUnknown, transient, and nothing recorded", () =>
    Effect.gen(function* () {
      const b = booking()
      const error = yield* Effect.flip(handle(yield* paymentProcessed(b, "failed", "card declined")))
      expect(error).toBeInstanceOf(ContactUnknown)
      expect(error).toMatchObject({ _tag: "ContactUnknown", bookingId: b.bookingId })
      expect(NotificationEvents.policy.isTransient(error)).toBe(true)
      expect(yield* everything).toEqual([])
    }))

  commandsTest("payment.refunded for a booking never seen: ContactUnknown, transient", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* paymentRefunded(booking())))
      expect(error._tag).toBe("ContactUnknown")
      expect(NotificationEvents.policy.isTransient(error)).toBe(true)
    }))

  commandsTest("payment.processed failed that arrived before booking.created succeeds once the contact is known (as a retry would)", () =>
    Effect.gen(function* () {
      const b = booking()
      const failed = yield* paymentProcessed(b, "failed", "card declined")
      expect((yield* Effect.flip(handle(failed)))._tag).toBe("ContactUnknown")
      yield* handle(yield* bookingCreated(b))
      yield* handle(failed)
      expect(summary((yield* historyOf(b.bookingId)).filter((item) => item.causeId === failed.id))).toEqual(toBoth("payment-failed"))
    }))

})
