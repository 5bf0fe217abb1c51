/**
 * The notification service's HTTP API (DESIGN §3, notification): the history, and sending a
 * `notification.send` command.
 */
import { CurrentPrincipal, HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { DeadLetters, type MessageBus, OperationsRoutes, ServiceBus } from "@flight/bus"
import { BookingId, Messages, Recipient } from "@flight/contracts"
import { HttpApp, IdempotencyKey, Paging, Route, type StoreHealth } from "@flight/runtime"
import { Effect, Option, type Runtime, Schema } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { Notification, NotificationStore } from "../domain/Notification.ts"
import * as NotificationAccess from "../application/NotificationAccess.ts"
import * as NotificationSending from "../application/NotificationSending.ts"
import { readingHistory, sending } from "./NotificationProblems.ts"

/** A notification as the history shows it: every field the history keeps. */
export const NotificationView = Schema.Struct(Notification.fields).annotations({ identifier: "Notification" })

const viewOf = (notification: Notification): typeof NotificationView.Type => ({ ...notification })

export const HistoryQuery = Schema.Struct({
  bookingId: Schema.optional(BookingId),
  recipient: Schema.optional(Recipient),
  ...Paging.offsetFields,
})

export const SendBody = Messages.SendNotification.data
const encodeBody = Schema.encodeSync(SendBody)

const Accepted = Schema.Struct({ commandId: Schema.String })

type Services = NotificationStore | MessageBus | DeadLetters.DeadLetters

export const routes: ReadonlyArray<Route.Route<Services | CurrentPrincipal>> = [
  Route.make({
    method: "get",
    path: "/api/notifications",
    summary: "Notification history",
    description: "Notifications sent or failed, oldest first, for a booking and/or a recipient, `limit` (default 20) a page. " +
      "For a booking: its owner, the holder of its guest token (the accessToken booking answers), ops and admin; 404 for " +
      "anyone else, as for a booking the service does not know. Without a bookingId, ops and admin only (403 for others).",
    tags: ["notifications"],
    // Signed-in callers at the door; which history each may read is decided with the filter and
    // the booking's owner (NotificationAccess).
    access: NotificationAccess.readingHistory,
    query: HistoryQuery,
    success: { status: 200, schema: Paging.page(NotificationView, Paging.OffsetCursor) },
    errors: [403, 404, ...readingHistory.statuses],
    handler: ({ query }) =>
      readingHistory.answer(Effect.gen(function* () {
        const store = yield* NotificationStore
        const booking = query.bookingId === undefined
          ? Option.none()
          : Option.some({ id: query.bookingId, known: yield* store.contactOf(query.bookingId) })
        yield* NotificationAccess.canReadHistory(yield* CurrentPrincipal, { booking })
        const offset = Paging.offsetOf(query)
        const page = yield* store.history({
          bookingId: Option.fromNullable(query.bookingId),
          recipient: Option.fromNullable(query.recipient),
          limit: query.limit,
          offset,
        })
        return { items: page.items.map(viewOf), nextCursor: Paging.nextOffset(offset, query.limit, page.more) }
      })),
  }),
  Route.make({
    method: "post",
    path: "/api/notifications",
    summary: "Send a notification",
    access: NotificationAccess.sending,
    description: "Sends the notification.send command: one template on one channel to one recipient. 202 once the command " +
      "is on the bus; the history shows the notification when it went out. The template and its data are checked first. " +
      "With an Idempotency-Key, a repeated request answers the first command's id (marked Idempotent-Replayed) and sends " +
      "nothing twice; another request under the same key is a 422.",
    tags: ["notifications"],
    headers: IdempotencyKey.OptionalHeader,
    body: SendBody,
    success: { status: 202, schema: Accepted, description: "The command, accepted" },
    errors: sending.statuses,
    handler: ({ body, headers }) =>
      sending.answer(Effect.gen(function* () {
        const request = IdempotencyKey.requestOf(headers[IdempotencyKey.headerName], "POST /api/notifications", () => encodeBody(body))
        const { command, replayed } = yield* NotificationSending.send(body, request)
        return IdempotencyKey.respond({ status: 202, body: { commandId: command.id }, replayed })
      })),
  }),
  // Its dead letters and queue depth, for admins (the same routes in every service on the bus).
  ...OperationsRoutes.routes("notification"),
]

export const make = (runtime: Runtime.Runtime<Services | StoreHealth | TokenVerifier.TokenVerifier>): Hono =>
  HttpApp.make({
    service: "notification",
    version: packageJson.version,
    description: "Email, SMS and push notifications and their history",
    routes,
    runtime,
    authentication: HttpAuthentication.bridge,
    readiness: ServiceBus.readiness,
  })
