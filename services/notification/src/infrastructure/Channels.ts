/**
 * The channels behind the `NotificationChannel` port. Email goes over SMTP with nodemailer when
 * SMTP_URL is set, and is recorded only (kept in the history, logged) otherwise; SMS and push are
 * logging adapters, where a provider (an SMS gateway, a push service) would plug in.
 */
import { Spans, StoreError } from "@flight/runtime"
import { Effect, Layer, Option, Redacted, type Scope } from "effect"
import nodemailer from "nodemailer"
import { DeliveryFailed, NotificationChannel, type Outgoing } from "../domain/Notification.ts"

/** Who the email comes from. */
export const sender = "Flight Booking <no-reply@flight-booking.example>"

/** SMTP errors a retry can get past: connections refused or reset, timeouts, 4xx replies. */
const transient = (cause: unknown) => {
  const error = cause as { readonly code?: string; readonly responseCode?: number }
  return (error.responseCode !== undefined && error.responseCode >= 400 && error.responseCode < 500) ||
    ["ECONNECTION", "ETIMEDOUT", "ESOCKET", "ECONNREFUSED", "ECONNRESET", "EDNS", "ETLS"].includes(error.code ?? "")
}

const { reasonOf } = StoreError

/** Email over SMTP for as long as the scope is open (the transport's pool closes with it). */
export const smtp = (url: Redacted.Redacted<URL>): Effect.Effect<(message: Outgoing) => Effect.Effect<{ readonly deliveredBy: string }, DeliveryFailed>, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      // Bounded waits: a server that stalls must not hold a consumer's slot for nodemailer's default ten minutes.
      Effect.sync(() =>
        nodemailer.createTransport({ url: Redacted.value(url).href, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 })
      ),
      (transport) => Effect.sync(() => transport.close()),
    ),
    (transport) => (message: Outgoing) =>
      Effect.tryPromise({
        try: () =>
          // One address object: the recipient is never parsed as a list of addresses.
          transport.sendMail({
            from: sender,
            to: { name: "", address: message.recipient },
            subject: message.subject,
            text: message.text,
            html: message.html,
          }),
        catch: (cause) => new DeliveryFailed({ channel: "email", reason: reasonOf(cause), transient: transient(cause) }),
      }).pipe(Effect.as({ deliveredBy: "smtp" }), Spans.within("smtp send", { kind: "client" })),
  )

const logged = (deliveredBy: string) => (message: Outgoing) =>
  Effect.logInfo(`${message.channel} to ${message.recipient}: ${message.subject}`).pipe(
    Effect.annotateLogs({ channel: message.channel, deliveredBy }),
    Effect.as({ deliveredBy }),
  )

/** Email by SMTP when its URL is set, recorded only otherwise; SMS and push logged. */
export const layer = (smtpUrl: Option.Option<Redacted.Redacted<URL>>): Layer.Layer<NotificationChannel> =>
  Layer.scoped(
    NotificationChannel,
    Effect.gen(function* () {
      const email = Option.isSome(smtpUrl) ? yield* smtp(smtpUrl.value) : logged("recorded")
      const log = logged("log")
      return { send: (message) => (message.channel === "email" ? email(message) : log(message)) }
    }),
  )
