/**
 * A notification as the history keeps it: one message on one channel to one recipient, from a
 * template, because of one event or command (its cause). The ports: the channels that deliver, and
 * the store that keeps the history and the contacts of bookings.
 */
import { AccountSubject, BookingId, BookingReference, Contact, SchemaClass } from "@flight/contracts"
import { StoreError } from "@flight/runtime"
import { Context, type DateTime, type Duration, type Effect, type Option, Schema } from "effect"

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

/** A notification with its fields checked by a parser built once (`SchemaClass.maker`). */
export const makeNotification = SchemaClass.maker(Notification)

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

/**
 * What `booking.created` says of a booking, kept for what comes later: who to tell (for the events
 * that do not carry the contact) and whose it is (`owner`: the account's `sub`; null for a guest's
 * booking and for one announced by version 1, which named no owner), for who may read its history.
 */
export const BookingContact = Schema.Struct({
  bookingId: BookingId,
  reference: BookingReference,
  contact: Contact,
  owner: Schema.NullOr(AccountSubject),
})
export type BookingContact = typeof BookingContact.Type

export interface HistoryQuery {
  readonly bookingId: Option.Option<BookingId>
  readonly recipient: Option.Option<string>
  readonly limit: number
  readonly offset: number
}

/** A command sent under an Idempotency-Key: the request's fingerprint and the command (encoded JSON). */
export interface KeyedCommand {
  readonly key: string
  readonly fingerprint: string
  readonly command: string
  readonly at: DateTime.Utc
}

/**
 * The store could not be reached or answered an error: worth retrying (`transient`), unless it holds
 * what this build cannot read.
 */
export class NotificationStoreError extends StoreError.Tagged("NotificationStoreError", "notification") {}

/**
 * Who may send a notification now: this sender (`Claimed`, until its lease ends, unless renewed, or
 * it records the outcome; with the notification as recorded before, after a failed attempt), nobody (`Sent`: it
 * went out), or another sender, for now (`Held`).
 */
export type Claim =
  | { readonly _tag: "Claimed"; readonly earlier: Option.Option<Notification> }
  | { readonly _tag: "Sent" }
  | { readonly _tag: "Held" }

export class NotificationStore extends Context.Tag("notification/NotificationStore")<NotificationStore, {
  /**
   * Claims the sending of notifications (by their keys, see `keyOf`) for `holder` for `lease`, all in
   * one step of the store, and answers each key's claim: one sender at a time for each, also across
   * instances of the service sharing the store. `Sent` when it went out already; `Held` while another
   * holder's lease runs.
   */
  readonly claim: (
    keys: ReadonlyArray<string>,
    holder: string,
    lease: Duration.Duration,
  ) => Effect.Effect<ReadonlyMap<string, Claim>, NotificationStoreError>
  /**
   * Extends `holder`'s claims to `lease` from now, while the holder sends and records; answers the
   * keys it still holds: not one it holds no more (recorded, or taken by another holder once its
   * lease ran out), which a renewal never takes back.
   */
  readonly renew: (
    keys: ReadonlyArray<string>,
    holder: string,
    lease: Duration.Duration,
  ) => Effect.Effect<ReadonlySet<string>, NotificationStoreError>
  /**
   * Records notifications (of different keys) and ends `holder`'s claims on them, all at once; a later
   * record of the same cause, channel, recipient and template replaces one, unless that one was sent.
   */
  readonly record: (notifications: ReadonlyArray<Notification>, holder: string) => Effect.Effect<void, NotificationStoreError>
  /** Notifications oldest first (by creation, then id), filtered by booking and/or recipient. */
  readonly history: (
    query: HistoryQuery,
  ) => Effect.Effect<{ readonly items: ReadonlyArray<Notification>; readonly more: boolean }, NotificationStoreError>
  /**
   * Records the command a `POST /api/notifications` sent under an Idempotency-Key, with the
   * request's fingerprint; when the key was recorded before, changes nothing and answers what it
   * holds.
   */
  readonly keyCommand: (request: KeyedCommand) => Effect.Effect<Option.Option<KeyedCommand>, NotificationStoreError>
  /** The command recorded under an Idempotency-Key; none while the key holds none. */
  readonly keyedCommand: (key: string) => Effect.Effect<Option.Option<KeyedCommand>, NotificationStoreError>
  /** Forgets Idempotency-Keys recorded before `before`; answers how many. */
  readonly purgeKeys: (before: DateTime.Utc) => Effect.Effect<number, NotificationStoreError>
  /** Remembers a booking's contact and owner; a later one for the booking replaces it. */
  readonly rememberContact: (contact: BookingContact) => Effect.Effect<void, NotificationStoreError>
  /** The contact and owner remembered for a booking; none before its `booking.created` arrived. */
  readonly contactOf: (bookingId: BookingId) => Effect.Effect<Option.Option<BookingContact>, NotificationStoreError>
}>() {}

/** What makes a notification the same one: its cause, channel, recipient and template. */
export const keyOf = (notification: {
  readonly causeId: string
  readonly channel: Channel
  readonly recipient: string
  readonly template: string
}) => `${notification.causeId}/${notification.channel}/${notification.recipient}/${notification.template}`
