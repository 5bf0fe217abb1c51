/**
 * Every typed failure of the notification API and the problem+json it becomes, declared once: a
 * route selects the failures it may answer, and its documented statuses and its mapping both come
 * from that selection.
 */
import type { PublishError } from "@flight/bus"
import { type Idempotent, Problems } from "@flight/runtime"
import type { RecipientInvalid } from "../application/NotificationCommands.ts"
import type { NotificationStoreError } from "../domain/Notification.ts"
import type { TemplateDataInvalid, TemplateDataMissing, TemplateUnknown } from "../domain/Templates.ts"

export type ApiError =
  | RecipientInvalid
  | TemplateUnknown
  | TemplateDataMissing
  | TemplateDataInvalid
  | Idempotent.IdempotencyKeyReused
  | Idempotent.RequestInProgress
  | PublishError
  | NotificationStoreError

/** A notification its template or channel refuses is shown as its decoding would be: a 400 naming the field. */
const invalid = "The notification is invalid"

const recipientOf = (error: RecipientInvalid) =>
  `must be ${error.channel === "email" ? "one email address" : error.channel === "sms" ? "one phone number in E.164" : "one device token"}`

export const problems = Problems.make<ApiError>({
  RecipientInvalid: Problems.badRequestAt(invalid, "body.recipient", recipientOf),
  TemplateUnknown: Problems.badRequestAt(invalid, "body.template"),
  TemplateDataMissing: Problems.badRequestAt(invalid, "body.data"),
  TemplateDataInvalid: Problems.badRequestAt(invalid, "body.data"),
  IdempotencyKeyReused: Problems.keyReused,
  RequestInProgress: Problems.requestInProgress,
  PublishError: Problems.unavailable("The message bus is unavailable; nothing was sent", 1),
  // Data this build cannot read (not transient) is no client's doing and not a passing outage: a 500.
  NotificationStoreError: Problems.store("The notification store is unavailable; nothing was sent"),
})

/** Sending a notification: everything above. */
export const sending = problems.for(
  "RecipientInvalid",
  "TemplateUnknown",
  "TemplateDataMissing",
  "TemplateDataInvalid",
  "IdempotencyKeyReused",
  "RequestInProgress",
  "PublishError",
  "NotificationStoreError",
)

/**
 * Reading the history, whose one typed failure is its store's, said as the history's: a tag has one
 * sentence in a table, and `problems` says the store's for sending (where nothing was sent).
 */
export const readingHistory = Problems.make<NotificationStoreError>({
  NotificationStoreError: Problems.store("The notification history is unavailable"),
}).for("NotificationStoreError")
