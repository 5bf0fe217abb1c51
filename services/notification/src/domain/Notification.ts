/**
 * A notification as the history keeps it: one message on one channel to one recipient, from a
 * template, because of one event or command (its cause). The ports: the channels that deliver, and
 * the store that keeps the history and the contacts of bookings.
 */
import { BookingId, BookingReference, Contact } from "@flight/contracts"
import { Context, type Effect, type Option, Schema } from "effect"

export const Channel = Schema.Literal("email", "sms", "push")
export type Channel = typeof Channel.Type

export class Notification extends Schema.Class<Notification>("Notification")({
  id: Schema.String,
  /** The id of the message that caused it: with channel, recipient and template, sent once. */
  causeId: Schema.String,
  bookingId: Schema.NullOr(BookingId),
  channel: Channel,
  recipient: Schema.String,
  template: Schema.String,
  subject: Schema.String,
  body: Schema.String,
  status: Schema.Literal("sent", "failed"),
  attempts: Schema.Int,
  /** How it went out: "smtp", "recorded" (email without SMTP_URL), "log" (SMS and push). */
  deliveredBy: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  createdAt: Schema.DateTimeUtc,
  sentAt: Schema.NullOr(Schema.DateTimeUtc),
}) {}

/** A channel could not deliver: `transient` failures are retried. */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  channel: Channel,
  reason: Schema.String,
  transient: Schema.Boolean,
}) {
  override get message() {
    return `${this.channel} delivery failed: ${this.reason}`
  }
}

export interface Outgoing {
  readonly channel: Channel
  readonly recipient: string
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** Delivers a notification on its channel; answers how it went out. */
export class NotificationChannel extends Context.Tag("notification/NotificationChannel")<NotificationChannel, {
  readonly send: (message: Outgoing) => Effect.Effect<{ readonly deliveredBy: string }, DeliveryFailed>
}>() {}

/** Who to tell about a booking: from its events, for those that do not carry the contact. */
export const BookingContact = Schema.Struct({ bookingId: BookingId, reference: BookingReference, contact: Contact })
export type BookingContact = typeof BookingContact.Type

export interface HistoryQuery {
  readonly bookingId: Option.Option<BookingId>
  readonly recipient: Option.Option<string>
  readonly limit: number
  readonly offset: number
}

export class NotificationStore extends Context.Tag("notification/NotificationStore")<NotificationStore, {
  /** Records a notification; a later record of the same cause, channel, recipient and template replaces it. */
  readonly record: (notification: Notification) => Effect.Effect<void>
  /** Whether this cause's notification went out (status sent) on this channel to this recipient. */
  readonly wasSent: (key: string) => Effect.Effect<boolean>
  /** The notification recorded under a key (see `keyOf`), if any. */
  readonly get: (key: string) => Effect.Effect<Option.Option<Notification>>
  readonly history: (query: HistoryQuery) => Effect.Effect<{ readonly items: ReadonlyArray<Notification>; readonly more: boolean }>
  readonly rememberContact: (contact: BookingContact) => Effect.Effect<void>
  readonly contactOf: (bookingId: BookingId) => Effect.Effect<Option.Option<BookingContact>>
}>() {}

/** What makes a notification the same one: its cause, channel, recipient and template. */
export const keyOf = (notification: {
  readonly causeId: string
  readonly channel: Channel
  readonly recipient: string
  readonly template: string
}) => `${notification.causeId}/${notification.channel}/${notification.recipient}/${notification.template}`
