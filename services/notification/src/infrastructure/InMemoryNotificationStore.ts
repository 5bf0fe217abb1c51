/** The notification history and the bookings' contacts in memory (the default store). */
import { Clock, DateTime, Duration, Effect, Layer, Option } from "effect"
import { type BookingContact, type Claim, type KeyedCommand, keyOf, type Notification, NotificationStore } from "../domain/Notification.ts"

/** How many notifications the history keeps: the oldest go first. */
const retained = 100_000

export const make = Effect.sync((): NotificationStore["Type"] => {
  const byKey = new Map<string, Notification>()
  const contacts = new Map<string, BookingContact>()
  const claims = new Map<string, { readonly holder: string; readonly until: number }>()
  const keys = new Map<string, KeyedCommand>()
  return {
    claim: (keys, holder, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        new Map(keys.map((key): [string, Claim] => {
          const earlier = byKey.get(key)
          if (earlier?.status === "sent") return [key, { _tag: "Sent" }]
          const current = claims.get(key)
          if (current !== undefined && current.holder !== holder && current.until > now) return [key, { _tag: "Held" }]
          claims.set(key, { holder, until: now + Duration.toMillis(lease) })
          return [key, { _tag: "Claimed", earlier: Option.fromNullable(earlier) }]
        }))),
    renew: (keys, holder, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        new Set(keys.filter((key) => {
          if (claims.get(key)?.holder !== holder) return false
          claims.set(key, { holder, until: now + Duration.toMillis(lease) })
          return true
        }))),
    record: (notifications, holder) =>
      Effect.sync(() => {
        for (const notification of notifications) {
          const key = keyOf(notification)
          // What went out stays recorded so: a holder whose lease ran out records its failure too late.
          if (byKey.get(key)?.status === "sent") continue
          if (claims.get(key)?.holder === holder) claims.delete(key)
          byKey.delete(key)
          byKey.set(key, notification)
          if (byKey.size > retained) byKey.delete(byKey.keys().next().value!)
        }
      }),
    history: ({ bookingId, limit, offset, recipient }) =>
      Effect.sync(() => {
        const matching = [...byKey.values()]
          .filter((notification) =>
            Option.match(bookingId, { onNone: () => true, onSome: (id) => notification.bookingId === id }) &&
            Option.match(recipient, { onNone: () => true, onSome: (to) => notification.recipient === to })
          )
          .sort((a, b) => a.createdAt.epochMillis - b.createdAt.epochMillis || (a.id < b.id ? -1 : 1))
        return { items: matching.slice(offset, offset + limit), more: matching.length > offset + limit }
      }),
    keyCommand: (request) =>
      Effect.sync(() => {
        const earlier = keys.get(request.key)
        if (earlier === undefined) keys.set(request.key, request)
        return Option.fromNullable(earlier)
      }),
    keyedCommand: (key) => Effect.sync(() => Option.fromNullable(keys.get(key))),
    purgeKeys: (before) =>
      Effect.sync(() => {
        let purged = 0
        for (const [key, recorded] of keys) {
          if (DateTime.lessThan(recorded.at, before)) {
            keys.delete(key)
            purged++
          }
        }
        return purged
      }),
    rememberContact: (contact) => Effect.sync(() => void contacts.set(contact.bookingId, contact)),
    contactOf: (bookingId) => Effect.sync(() => Option.fromNullable(contacts.get(bookingId))),
  }
})

export const layer: Layer.Layer<NotificationStore> = Layer.effect(NotificationStore, make)
