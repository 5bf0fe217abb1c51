/**
 * Email over SMTP to a real SMTP server (smtp-server, in this process): what arrives is the
 * rendered template, from the service's sender to the recipient, as text and HTML.
 */
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { BookingId } from "@flight/contracts"
import { Effect, Either, Logger, Option, Redacted } from "effect"
import { NotificationCommands } from "../src/application/NotificationCommands.ts"
import { serviceLayer } from "../src/main.ts"
import { NotificationChannel } from "../src/domain/Notification.ts"
import { render } from "../src/domain/Templates.ts"
import * as Channels from "../src/infrastructure/Channels.ts"
import { bookingCreated } from "./support/Bookings.ts"
import { smtpServer } from "./support/SmtpServer.ts"

EffectTest.effect("an email goes over SMTP: from the service's sender to the recipient, the template's subject, text and HTML", () =>
  Effect.gen(function* () {
    const smtp = yield* smtpServer()
    const url = Redacted.make(new URL(`smtp://127.0.0.1:${smtp.port}`))
    const channel = yield* Effect.provide(NotificationChannel, Channels.layer(Option.some(url)))
    const rendered = Either.getOrThrow(render("booking-confirmed", { reference: "X7K2QP", seats: "10A, 10B" }))
    const sent = yield* channel.send({ channel: "email", recipient: "ada@example.com", ...rendered })
    expect(sent.deliveredBy).toBe("smtp")
    expect(smtp.received).toHaveLength(1)
    const [mail] = smtp.received
    expect(mail!.from).toBe("no-reply@flight-booking.example")
    expect(mail!.to).toEqual(["ada@example.com"])
    expect(mail!.raw).toContain("Subject: Booking X7K2QP confirmed")
    expect(mail!.raw).toContain("Content-Type: text/plain")
    expect(mail!.raw).toContain("Content-Type: text/html")
    expect(mail!.raw).toContain("seats 10A, 10B")
  }), { timeout: 20_000 })

EffectTest.effect("an SMTP server that answers 4xx is a failure worth retrying; one that cannot be reached too", () =>
  Effect.gen(function* () {
    const smtp = yield* smtpServer({ rejectFirst: 1 })
    const channel = yield* Effect.provide(
      NotificationChannel,
      Channels.layer(Option.some(Redacted.make(new URL(`smtp://127.0.0.1:${smtp.port}`)))),
    )
    const message = { channel: "email" as const, recipient: "ada@example.com", subject: "s", text: "t", html: "<p>t</p>" }
    const refused = yield* Effect.either(channel.send(message))
    expect(refused._tag === "Left" && refused.left.transient).toBe(true)
    expect((yield* channel.send(message)).deliveredBy).toBe("smtp")
    const nowhere = yield* Effect.provide(NotificationChannel, Channels.layer(Option.some(Redacted.make(new URL("smtp://127.0.0.1:1")))))
    const unreachable = yield* Effect.either(nowhere.send(message))
    expect(unreachable._tag === "Left" && unreachable.left.transient).toBe(true)
  }), { timeout: 20_000 })

EffectTest.effect("an event handled twice in a row and twice at once sends its email once: counted at the SMTP server", () =>
  Effect.gen(function* () {
    const smtp = yield* smtpServer()
    const url = Redacted.make(new URL(`smtp://127.0.0.1:${smtp.port}`))
    yield* Effect.gen(function* () {
      const commands = yield* NotificationCommands
      const created = yield* bookingCreated(BookingId.make(Bun.randomUUIDv7()))
      yield* commands.handle(created)
      yield* commands.handle(created)
      yield* Effect.all([commands.handle(created), commands.handle(created)], { concurrency: 2 })
    }).pipe(Effect.provide(serviceLayer(Option.some(url))))
    expect(smtp.received.map((mail) => mail.to)).toEqual([["ada@example.com"]])
  }), { layer: Logger.replace(Logger.defaultLogger, Logger.none), timeout: 20_000 })
