/**
 * The notification API's own choices in its problem tables (`NotificationProblems`) that no route
 * test reaches: a store or a bus that fails while sending, a store that fails the history, a
 * recipient each channel refuses, a request while the first under its key still runs.
 */
import { PublishError } from "@flight/bus"
import { Idempotent } from "@flight/runtime"
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { RecipientInvalid } from "../src/application/NotificationCommands.ts"
import { NotificationStoreError } from "../src/domain/Notification.ts"
import { problems, readingHistory, sending } from "../src/api/NotificationProblems.ts"

const shown = (problem: { status: number; type: string; detail?: string | undefined; headers?: Record<string, string> | undefined }) =>
  [problem.status, problem.type, problem.detail, problem.headers]

describe("NotificationProblems", () => {
  test("sending, a store that fails is a 503 saying nothing was sent, with Retry-After 1; one holding what cannot be read is the bare 500", () => {
    const transient = problems.of(new NotificationStoreError({ operation: "key command", reason: "connection refused" }))
    expect(shown(transient)).toEqual([503, "service-unavailable", "The notification store is unavailable; nothing was sent", { "retry-after": "1" }])
    const unreadable = problems.of(new NotificationStoreError({ operation: "key command", reason: "recorded command is invalid", transient: false }))
    expect([unreadable.status, unreadable.type]).toEqual([500, "internal-error"])
    expect(JSON.stringify([transient, unreadable])).not.toContain("connection refused")
  })

  test("sending, a bus that fails is a 503 saying nothing was sent, with Retry-After 1", () => {
    const problem = problems.of(new PublishError({ messageType: "notification.send", messageId: "m-1", reason: "broker down" }))
    expect(shown(problem)).toEqual([503, "service-unavailable", "The message bus is unavailable; nothing was sent", { "retry-after": "1" }])
  })

  test("the history, a store that fails is a 503 saying the history is unavailable; one holding what cannot be read is the bare 500", async () => {
    const answered = (transient: boolean) =>
      Effect.runPromise(Effect.flip(readingHistory.answer(Effect.fail(new NotificationStoreError({ operation: "history", reason: "gone", transient })))))
    expect(shown(await answered(true))).toEqual([503, "service-unavailable", "The notification history is unavailable", { "retry-after": "1" }])
    expect((await answered(false)).status).toBe(500)
    expect(readingHistory.statuses).toEqual([503])
  })

  test("a recipient that does not fit its channel is a 400 at body.recipient saying what the channel takes", () => {
    const messageOf = (channel: string) =>
      problems.of(new RecipientInvalid({ channel, recipient: "x" })).errors?.map((error) => [error.path, error.message])
    expect(messageOf("email")).toEqual([["body.recipient", "must be one email address"]])
    expect(messageOf("sms")).toEqual([["body.recipient", "must be one phone number in E.164"]])
    expect(messageOf("push")).toEqual([["body.recipient", "must be one device token"]])
  })

  test("a request while the first under its Idempotency-Key is still recorded is a 409 request-in-progress, documented with sending's statuses", () => {
    const problem = problems.of(new Idempotent.RequestInProgress({ key: "k-1" }))
    expect([problem.status, problem.type, problem.headers]).toEqual([409, "request-in-progress", { "retry-after": "1" }])
    expect(sending.statuses).toEqual([400, 409, 422, 503])
  })
})
