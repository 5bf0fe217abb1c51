/**
 * The notification store's contract, on both adapters (`StoreContract`): records keyed by cause,
 * channel, recipient and template; the history's filters, order and pages; the contacts and owners
 * of bookings; the Idempotency-Keys of the send command. The claims are
 * NotificationStoreClaims.test.ts's.
 */
import { BookingId, BookingReference } from "@flight/contracts"
import { describe, expect } from "bun:test"
import { Duration, Effect, Layer, Option } from "effect"
import { NotificationCommands } from "../src/application/NotificationCommands.ts"
import { keyOf, type Notification, NotificationStore } from "../src/domain/Notification.ts"
import * as Channels from "../src/infrastructure/Channels.ts"
import { bookingCreated, bookingCreatedV2 } from "./support/Bookings.ts"
import { at, everything, failed, notification, onEachStore, single } from "./support/StoreContract.ts"

onEachStore((it) => {
  describe("records", () => {
    it("a notification recorded is in the history as it was recorded, and a claim on it answers sent", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const sent = notification({ bookingId: null, channel: "sms", recipient: "+447700900123" })
        yield* store.record(sent, "test")
        expect((yield* store.history(everything)).items).toEqual([sent])
        expect(yield* store.claim(keyOf(sent), "another", Duration.minutes(2))).toEqual({ _tag: "Sent" })
      }))

    it("a failed attempt is not sent; the next record of the same key replaces it, keeping one entry", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const first = failed()
        yield* store.record(first, "test")
        expect((yield* store.claim(keyOf(first), "retry", Duration.minutes(2)))._tag).toBe("Claimed")
        const second = notification({ ...first, status: "sent", attempts: 2, deliveredBy: "smtp", error: null, sentAt: at("2026-11-26T10:05:00Z") })
        yield* store.record(second, "retry")
        expect((yield* store.history(everything)).items).toEqual([second])
      }))

    it("the same cause on another channel, to another recipient or with another template is another notification", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const email = notification()
        const others = [
          notification({ ...email, id: Bun.randomUUIDv7(), channel: "sms", recipient: "+447700900123" }),
          notification({ ...email, id: Bun.randomUUIDv7(), recipient: "charles@example.com" }),
          notification({ ...email, id: Bun.randomUUIDv7(), template: "booking-received" }),
        ]
        yield* Effect.forEach([email, ...others], (one) => store.record(one, "test"))
        expect((yield* store.history(everything)).items).toHaveLength(4)
      }))
  })

  describe("history", () => {
    it("oldest first, filtered by booking, by recipient, by both, or none, in pages that say whether there is more", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const booking = BookingId.make(Bun.randomUUIDv7())
        const other = BookingId.make(Bun.randomUUIDv7())
        // Recorded out of order: the history orders by creation.
        const items = [
          notification({ bookingId: booking, createdAt: at("2026-11-26T10:03:00Z") }),
          notification({ bookingId: booking, recipient: "+447700900123", channel: "sms", createdAt: at("2026-11-26T10:01:00Z") }),
          notification({ bookingId: other, createdAt: at("2026-11-26T10:02:00Z") }),
          notification({ bookingId: null, recipient: "charles@example.com", createdAt: at("2026-11-26T10:00:00Z") }),
        ]
        yield* Effect.forEach(items, (one) => store.record(one, "test"))
        const ids = (page: { readonly items: ReadonlyArray<Notification> }) => page.items.map((item) => item.id)
        expect(ids(yield* store.history(everything))).toEqual([items[3]!.id, items[1]!.id, items[2]!.id, items[0]!.id])
        expect(ids(yield* store.history({ ...everything, bookingId: Option.some(booking) }))).toEqual([items[1]!.id, items[0]!.id])
        expect(ids(yield* store.history({ ...everything, recipient: Option.some("ada@example.com") }))).toEqual([items[2]!.id, items[0]!.id])
        expect(ids(yield* store.history({ ...everything, bookingId: Option.some(booking), recipient: Option.some("ada@example.com") })))
          .toEqual([items[0]!.id])
        expect(ids(yield* store.history({ ...everything, recipient: Option.some("nobody@example.com") }))).toEqual([])

        const first = yield* store.history({ ...everything, limit: 3 })
        expect([ids(first), first.more]).toEqual([[items[3]!.id, items[1]!.id, items[2]!.id], true])
        const last = yield* store.history({ ...everything, limit: 3, offset: 3 })
        expect([ids(last), last.more]).toEqual([[items[0]!.id], false])
        const exact = yield* store.history({ ...everything, limit: 4 })
        expect(exact.more).toBe(false)
      }))
  })

  describe("contacts", () => {
    it("a booking's contact is remembered, with or without a phone, and a later one replaces it", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const bookingId = BookingId.make(Bun.randomUUIDv7())
        const reference = BookingReference.make("X7K2QP")
        expect(yield* store.contactOf(bookingId)).toEqual(Option.none())
        yield* store.rememberContact({ bookingId, reference, contact: { email: "ada@example.com", phone: "+447700900123" }, owner: null })
        expect(yield* store.contactOf(bookingId)).toEqual(
          Option.some({ bookingId, reference, contact: { email: "ada@example.com", phone: "+447700900123" }, owner: null }),
        )
        yield* store.rememberContact({ bookingId, reference, contact: { email: "charles@example.com" }, owner: null })
        const replaced = yield* store.contactOf(bookingId)
        expect(Option.map(replaced, (known) => known.contact)).toEqual(Option.some({ email: "charles@example.com" }))
      }))

    it("a booking's owner is remembered with its contact and read back as it was; none (a guest's booking) as null", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const [owned, guests] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
        const reference = BookingReference.make("X7K2QP")
        yield* store.rememberContact({ bookingId: owned, reference, contact: { email: "ada@example.com" }, owner: "ada-sub" })
        yield* store.rememberContact({ bookingId: guests, reference, contact: { email: "grace@example.com" }, owner: null })
        expect(yield* store.contactOf(owned)).toEqual(Option.some({ bookingId: owned, reference, contact: { email: "ada@example.com" }, owner: "ada-sub" }))
        expect(Option.map(yield* store.contactOf(guests), (known) => known.owner)).toEqual(Option.some(null))
      }))

    it("booking.created version 2 handled: its owner (or null for a guest) is remembered; version 1 names none, so none is", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const owned = yield* bookingCreatedV2("ada-sub")
        const guests = yield* bookingCreatedV2(null)
        const older = yield* bookingCreated(BookingId.make(Bun.randomUUIDv7()))
        yield* Effect.forEach([owned, guests, older], (message) => Effect.flatMap(NotificationCommands, (commands) => commands.handle(message)))
        const ownerOf = (bookingId: BookingId) => Effect.map(store.contactOf(bookingId), Option.map((known) => known.owner))
        expect(yield* ownerOf(owned.data.bookingId)).toEqual(Option.some("ada-sub"))
        expect(yield* ownerOf(guests.data.bookingId)).toEqual(Option.some(null))
        expect(yield* ownerOf(older.data.bookingId)).toEqual(Option.some(null))
        expect(yield* ownerOf(BookingId.make(Bun.randomUUIDv7()))).toEqual(Option.none())
      }).pipe(Effect.provide(NotificationCommands.Default.pipe(Layer.provide(Channels.layer(Option.none()))))))
  })

  describe("Idempotency-Keys", () => {
    const keyed = (key: string, command: string, iso = "2026-11-26T10:00:00Z") => ({ key, fingerprint: `fp-${command}`, command, at: at(iso) })

    it("the first request under a key is recorded; a later one changes nothing and is answered the first", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = Bun.randomUUIDv7()
        expect(yield* store.keyCommand(keyed(key, "first"))).toEqual(Option.none())
        expect(yield* store.keyCommand(keyed(key, "second", "2026-11-26T11:00:00Z"))).toEqual(Option.some(keyed(key, "first")))
        expect(yield* store.keyCommand(keyed(key, "first"))).toEqual(Option.some(keyed(key, "first")))
      }))

    it("the command under a key is read back as it was recorded; none before, and none once purged", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = Bun.randomUUIDv7()
        expect(yield* store.keyedCommand(key)).toEqual(Option.none())
        yield* store.keyCommand(keyed(key, "first"))
        yield* store.keyCommand(keyed(key, "second", "2026-11-26T11:00:00Z"))
        expect(yield* store.keyedCommand(key)).toEqual(Option.some(keyed(key, "first")))
        expect(yield* store.keyedCommand(Bun.randomUUIDv7())).toEqual(Option.none())
        yield* store.purgeKeys(at("2026-11-26T10:00:01Z"))
        expect(yield* store.keyedCommand(key)).toEqual(Option.none())
      }))

    it("10 requests under one key at once: one recorded, the others answered it", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const key = Bun.randomUUIDv7()
        const answers = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, index) => keyed(key, `command-${index}`)),
          store.keyCommand,
          { concurrency: 10 },
        )
        const recorded = answers.flatMap((answer, index) => (Option.isNone(answer) ? [`command-${index}`] : []))
        expect(recorded).toHaveLength(1)
        expect(new Set(answers.flatMap((answer) => (Option.isSome(answer) ? [answer.value.command] : [])))).toEqual(new Set(recorded))
      }))

    it("purging forgets the keys recorded before the cutoff only, and says how many", () =>
      Effect.gen(function* () {
        const store = single(yield* NotificationStore)
        const [old, older, fresh] = [Bun.randomUUIDv7(), Bun.randomUUIDv7(), Bun.randomUUIDv7()]
        yield* store.keyCommand(keyed(old, "old", "2026-11-25T09:00:00Z"))
        yield* store.keyCommand(keyed(older, "older", "2026-11-24T09:00:00Z"))
        yield* store.keyCommand(keyed(fresh, "fresh", "2026-11-26T09:00:00Z"))
        expect(yield* store.purgeKeys(at("2026-11-26T00:00:00Z"))).toBe(2)
        expect(yield* store.keyCommand(keyed(old, "again"))).toEqual(Option.none())
        expect(Option.map(yield* store.keyCommand(keyed(fresh, "again")), (first) => first.command)).toEqual(Option.some("fresh"))
      }))
  })
})
