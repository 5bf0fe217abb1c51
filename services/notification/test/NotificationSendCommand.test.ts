/**
 * The `notification.send` command: its template to its recipient on its channel, and each way it
 * can be wrong (unknown template, missing or invalid data, a recipient that does not fit the
 * channel) refused as not transient, with nothing sent.
 */
import { BookingId, Envelope, Messages } from "@flight/contracts"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { commandsTest, everything, handle, historyOf } from "./support/Handling.ts"
import { email, sendNotification } from "./support/Messages.ts"

describe("NotificationCommands.handle", () => {
  commandsTest("notification.send: the template to the recipient on the channel, with the booking of its data", () =>
    Effect.gen(function* () {
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A", bookingId })
      yield* handle(message)
      const items = yield* historyOf(bookingId)
      expect(items).toHaveLength(1)
      expect(items[0]).toMatchObject({
        causeId: message.id,
        channel: "email",
        recipient: email,
        template: "booking-confirmed",
        status: "sent",
        deliveredBy: "recorded",
      })
    }))

  commandsTest("notification.send with an unknown template: TemplateUnknown, not transient, nothing recorded", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* sendNotification("no-such-template", { reference: "X7K2QP" })))
      expect(error).toMatchObject({ _tag: "TemplateUnknown", template: "no-such-template" })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
      expect(yield* everything).toEqual([])
    }))

  commandsTest("notification.send missing a template's data: TemplateDataMissing, not transient", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* sendNotification("booking-confirmed", { reference: "X7K2QP" })))
      expect(error).toMatchObject({ _tag: "TemplateDataMissing", template: "booking-confirmed", fields: ["seats"] })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
    }))

  commandsTest("notification.send whose data names a bookingId that is not one: sent, linked to no booking", () =>
    Effect.gen(function* () {
      const message = yield* sendNotification("booking-confirmed", { reference: "X7K2QP", seats: "12A", bookingId: "not-a-booking" })
      yield* handle(message)
      expect((yield* everything).map((item) => [item.causeId, item.status, item.bookingId])).toEqual([[message.id, "sent", null]])
    }))

  commandsTest("notification.send to a recipient that does not fit its channel: RecipientInvalid, not transient, nothing sent", () =>
    Effect.gen(function* () {
      for (const [channel, recipient] of [["email", "a@example.com, b@example.org"], ["sms", "ada@example.com"], ["push", "a token"]] as const) {
        const message = yield* Envelope.make(
          Messages.SendNotification,
          { channel, recipient, template: "booking-confirmed", data: { reference: "X7K2QP", seats: "12A" } },
          { source: "booking" },
        )
        const error = yield* Effect.flip(handle(message))
        expect(error).toMatchObject({ _tag: "RecipientInvalid", channel, recipient })
        expect(NotificationEvents.policy.isTransient(error)).toBe(false)
      }
      expect(yield* everything).toEqual([])
    }))

  commandsTest("notification.send whose data carries a control character: TemplateDataInvalid naming the field, not transient, nothing sent", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(handle(yield* sendNotification("booking-confirmed", { reference: "X7K\u0000QP", seats: "12A" })))
      expect(error).toMatchObject({ _tag: "TemplateDataInvalid", template: "booking-confirmed", fields: ["reference"] })
      expect(NotificationEvents.policy.isTransient(error)).toBe(false)
      expect(yield* everything).toEqual([])
    }))
})
