/**
 * What the notification service does with each message: which notifications an event causes (a
 * template, a channel, a recipient), and sending each once per cause: a redelivered event, or the
 * same event handled twice at once (in this process or in another instance on the same store), sends
 * nothing again. A failed delivery is recorded with its attempts and fails the handler, whose policy
 * retries it and, past its schedule, dead-letters it.
 */
import { Lease } from "@flight/bus"
import { type AnyMessage, BookingId as BookingIdSchema, type BookingId, Email, Messages, type Money, Phone } from "@flight/contracts"
import { KeyedLock, Spans } from "@flight/runtime"
import { Clock, DateTime, Duration, Effect, Either, Option, Schedule, Schema } from "effect"
import { type Channel, type DeliveryFailed, keyOf, makeNotification, type Notification, NotificationChannel, NotificationStore } from "../domain/Notification.ts"
import { render, type TemplateData } from "../domain/Templates.ts"

/** A payment event for a booking whose contact has not arrived yet (its booking.created is behind). */
export class ContactUnknown extends Schema.TaggedError<ContactUnknown>()("ContactUnknown", { bookingId: Schema.String }) {
  readonly transient = true
  override get message() {
    return `no contact known yet for booking ${this.bookingId}`
  }
}

/** Another sender (an instance of the service on the same store) is sending this notification now. */
export class NotificationInProgress extends Schema.TaggedError<NotificationInProgress>()("NotificationInProgress", { key: Schema.String }) {
  readonly transient = true
  override get message() {
    return `another sender is sending ${this.key}`
  }
}

/**
 * How long a claim on a notification lasts unless its holder renews it, which it does every third
 * of the lease while it sends and records (`Lease` of @flight/bus, decision 15): a sender that is
 * only slow (an SMTP server that takes its time) keeps its claim however long the send takes, and
 * one that died loses it a lease after its last renewal, to the redelivery at another instance or
 * at its restart.
 */
export const claimLease = Duration.seconds(3)

/** A notification that went out is recorded even through a short store outage: sending it again is worse. */
export const recordRetry = Schedule.exponential("100 millis").pipe(
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(2))),
  Schedule.upTo("20 seconds"),
)

/** A recipient that does not fit its channel (an email address, a phone number in E.164, a device token). */
export class RecipientInvalid extends Schema.TaggedError<RecipientInvalid>()("RecipientInvalid", {
  channel: Schema.String,
  recipient: Schema.String,
}) {
  override get message() {
    return `${JSON.stringify(this.recipient)} is not a recipient for ${this.channel}`
  }
}

/** Whether a recipient fits its channel: one email address, one phone number, one device token. */
export const recipientFits = (on: Channel, recipient: string): boolean =>
  on === "email" ? Schema.is(Email)(recipient) : on === "sms" ? Schema.is(Phone)(recipient) : /^[A-Za-z0-9._:-]{1,254}$/.test(recipient)

/** A formatter and its minor units per currency, made once: building one takes about 65 µs, using it under 1. */
const formats = new Map<string, { readonly format: Intl.NumberFormat; readonly minorUnits: number }>()

/** Money as a customer reads it: `£450.00`, `¥4,500`. */
export const formatMoney = (money: Money): string => {
  let known = formats.get(money.currency)
  if (known === undefined) {
    const format = new Intl.NumberFormat("en-GB", { style: "currency", currency: money.currency, currencyDisplay: "narrowSymbol" })
    known = { format, minorUnits: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) }
    formats.set(money.currency, known)
  }
  return known.format.format(money.amount / known.minorUnits)
}

export interface Wanted {
  readonly channel: Channel
  readonly recipient: string
  readonly template: string
  readonly data: TemplateData
  readonly bookingId: BookingId | null
}

/** Email to the contact, and SMS where it has a phone. */
const toContact = (contact: { readonly email: string; readonly phone?: string | undefined }, template: string, data: TemplateData, bookingId: BookingId) => [
  { channel: "email" as const, recipient: contact.email, template, data, bookingId },
  ...(contact.phone === undefined ? [] : [{ channel: "sms" as const, recipient: contact.phone, template, data, bookingId }]),
]

type Rendered = Effect.Effect.Success<ReturnType<typeof render>>

/** A notification of a cause, rendered, under its key. */
interface Prepared {
  readonly wanted: Wanted
  readonly rendered: Rendered
  readonly key: string
}

/** A notification this holder claimed, with what an earlier, failed attempt recorded of it. */
interface Claimed extends Prepared {
  readonly earlier: Notification | undefined
}

export class NotificationCommands extends Effect.Service<NotificationCommands>()("notification/NotificationCommands", {
  scoped: Effect.gen(function* () {
    const store = yield* NotificationStore
    const channel = yield* NotificationChannel
    // One handling of a notification at a time in this process; the store's claim does it across instances.
    const locks = yield* KeyedLock.make
    /**
     * The claims of every notification being sent, renewed by one loop for all of them (each claim
     * renewed on its own terms by the renewal it is held with), not a fiber and a timer each.
     */
    const renewing = Lease.keeper(
      // At once, so that one renewal that waits holds none of the others back.
      (renewals: ReadonlyArray<Effect.Effect<void>>) => Effect.forEach(renewals, (renewal) => renewal, { concurrency: "unbounded", discard: true }),
      claimLease,
      "notifications",
    )

    /** Runs `effect` alone among this process's handlings of each of `keys` (taken in one order). */
    const serialised = <A, E, R>(keys: ReadonlyArray<string>, effect: Effect.Effect<A, E, R>) =>
      keys.toSorted().reduceRight((inner, key) => locks.alone(key)(inner), effect)

    /** Sends one notification this holder claimed: the notification to record, and its failure when not delivered. */
    const sendOne = (causeId: string, { earlier, rendered, wanted: one }: Claimed) =>
      Effect.gen(function* () {
        const now = yield* DateTime.now
        const base = {
          id: earlier?.id ?? Bun.randomUUIDv7(),
          causeId,
          bookingId: one.bookingId,
          channel: one.channel,
          recipient: one.recipient,
          template: one.template,
          subject: rendered.subject,
          body: rendered.text,
          attempts: (earlier?.attempts ?? 0) + 1,
          createdAt: earlier?.createdAt ?? now,
        }
        const delivered = yield* Effect.either(channel.send({ ...one, ...rendered }))
        if (Either.isLeft(delivered)) {
          const notification = makeNotification({ ...base, status: "failed", deliveredBy: null, error: delivered.left.reason, sentAt: null })
          return { notification, failure: Option.some(delivered.left) }
        }
        const sentAt = yield* DateTime.now
        const notification = makeNotification({ ...base, status: "sent", deliveredBy: delivered.right.deliveredBy, error: null, sentAt })
        return { notification, failure: Option.none<DeliveryFailed>() }
      })

    /**
     * Sends the notifications of a cause, each unless it went out before. Each attempt claims them
     * together under a holder of its own (one step of the store), sends each it got, and records them
     * together, renewing the claims while it sends and records: an attempt that recorded nothing
     * after sending (its store failed) leaves its claims to run out, a lease after the last renewal
     * that reached the store. Before each send the claim must still be this holder's by the last
     * renewal that answered: one lost while an earlier notification was sent is left to the sender
     * that took it. The attempt fails once the others are recorded: with a delivery's failure that is
     * worth retrying, else as held when another sender holds one, else with a failure that is not.
     */
    const notify = (causeId: string, wanted: ReadonlyArray<Wanted>) =>
      Effect.gen(function* () {
        const all = new Map<string, Prepared>()
        for (const one of wanted) {
          const key = keyOf({ causeId, ...one })
          if (!all.has(key)) all.set(key, { wanted: one, rendered: yield* render(one.template, one.data), key })
        }
        if (all.size === 0) return
        const keys = [...all.keys()]
        const holder = Bun.randomUUIDv7()
        const leaseMillis = Duration.toMillis(claimLease)
        // Claimed, sent and recorded in one piece: a shutdown never leaves a claim that sent nothing.
        yield* serialised(keys, Effect.uninterruptible(Effect.gen(function* () {
          const claimedAt = yield* Clock.currentTimeMillis
          const claims = yield* store.claim(keys, holder, claimLease)
          const waiting = [...all.values()].filter((one) => claims.get(one.key)?._tag === "Held")
          const mine = [...all.values()].flatMap((one): Array<Claimed> => {
            const claim = claims.get(one.key)
            return claim?._tag === "Claimed" ? [{ ...one, earlier: Option.getOrUndefined(claim.earlier) }] : []
          })
          const failures: Array<DeliveryFailed> = []
          if (mine.length > 0) {
            // What this holder surely holds: the keys the last renewal that answered listed, until a lease after it was sent.
            let still = new Set(mine.map((one) => one.key))
            let heldUntil = claimedAt + leaseMillis
            const renew = Effect.gen(function* () {
              const sent = yield* Clock.currentTimeMillis
              const answered = yield* store.renew(mine.map((one) => one.key), holder, claimLease)
              for (const key of still) {
                if (!answered.has(key)) yield* Effect.logWarning(`claim on ${key} lost while sending: its lease ran out and another sender may send it`)
              }
              still = new Set(answered)
              heldUntil = sent + leaseMillis
            })
            yield* Effect.gen(function* () {
              const outcomes: Array<Effect.Effect.Success<ReturnType<typeof sendOne>>> = []
              for (const one of mine) {
                if (!still.has(one.key) || (yield* Clock.currentTimeMillis) >= heldUntil) {
                  waiting.push(one)
                  continue
                }
                const outcome = yield* sendOne(causeId, one)
                outcomes.push(outcome)
                if (Option.isSome(outcome.failure)) failures.push(outcome.failure.value)
              }
              yield* Effect.retry(store.record(outcomes.map((outcome) => outcome.notification), holder), recordRetry)
            }).pipe(renewing([renew.pipe(
              Effect.catchAllCause((cause) => Effect.logWarning(`lease of notifications ${keys.join(", ")} not renewed`, cause)),
            )]))
          }
          const retried = failures.find((failure) => failure.transient)
          if (retried !== undefined) return yield* Effect.fail(retried)
          if (waiting.length > 0) return yield* Effect.fail(new NotificationInProgress({ key: waiting[0]!.key }))
          if (failures.length > 0) return yield* Effect.fail(failures[0]!)
        }))).pipe(Spans.within("NotificationCommands.notify", {
          attributes: { channels: wanted.map((one) => one.channel).join(","), template: wanted[0]?.template ?? "" },
        }))
      })

    const contactOf = (bookingId: BookingId) =>
      Effect.flatMap(store.contactOf(bookingId), Option.match({
        onNone: () => Effect.fail(new ContactUnknown({ bookingId })),
        onSome: Effect.succeed,
      }))

    /** The notifications a message causes. */
    const wantedBy = (message: AnyMessage) =>
      Effect.gen(function* () {
        switch (message.type) {
          case "booking.created": {
            const { data } = message
            yield* store.rememberContact({
              bookingId: data.bookingId,
              reference: data.reference,
              contact: data.contact,
              // Version 1 named no owner. (Narrowed first: the helper's parameter type refuses version 1's data.)
              owner: message.version === 2 ? Messages.ownerOfBookingCreated(message) : null,
            })
            return toContact(data.contact, "booking-received", {
              reference: data.reference,
              seats: data.seats.join(", "),
              total: formatMoney(data.total),
              holdExpiresAt: DateTime.formatIso(data.holdExpiresAt),
            }, data.bookingId)
          }
          case "booking.confirmed":
            return toContact(message.data.contact, "booking-confirmed", {
              reference: message.data.reference,
              seats: message.data.seats.join(", "),
            }, message.data.bookingId)
          case "booking.cancelled": {
            const { data } = message
            const template = data.reason === "expired" ? "booking-expired" : data.reason === "flight-cancelled" ? "flight-cancelled" : "booking-cancelled"
            return toContact(data.contact, template, { reference: data.reference, refund: data.paid }, data.bookingId)
          }
          case "payment.processed": {
            if (message.data.status !== "failed") return []
            const known = yield* contactOf(message.data.bookingId)
            return toContact(known.contact, "payment-failed", {
              reference: known.reference,
              reason: message.data.failureReason || "declined",
            }, message.data.bookingId)
          }
          case "payment.refunded": {
            const known = yield* contactOf(message.data.bookingId)
            return toContact(known.contact, "refund-issued", {
              reference: known.reference,
              amount: formatMoney(message.data.amount),
            }, message.data.bookingId)
          }
          case "notification.send": {
            const { channel: on, recipient } = message.data
            if (!recipientFits(on, recipient)) return yield* Effect.fail(new RecipientInvalid({ channel: on, recipient }))
            return [{
              channel: on,
              recipient,
              template: message.data.template,
              data: message.data.data,
              // Links the history to a booking when the data names one; anything else links to none.
              bookingId: Option.getOrNull(Schema.decodeUnknownOption(BookingIdSchema)(message.data.data["bookingId"])),
            }]
          }
          default:
            return []
        }
      })

    /** Handles one message: each notification it causes, once. */
    const handle = Spans.fn("NotificationCommands.handle")(function* (message: AnyMessage) {
      yield* notify(message.id, yield* wantedBy(message))
    })

    return { handle, notify } as const
  }),
}) {}
