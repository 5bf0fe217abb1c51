/**
 * The payment routes' JSON as the route tests read and write it: the payment, refund and history
 * they answer, the body a payment is requested with, and the values every booking of those tests
 * shares.
 */
import type { HttpAssertions } from "@flight/runtime/testing"

interface MoneyJson {
  readonly amount: number
  readonly currency: string
}

export interface PaymentJson {
  readonly id: string
  readonly bookingId: string
  readonly status: string
  readonly amount: MoneyJson
  readonly transactionId: string | null
  readonly failureReason: string | null
  readonly createdAt: string
  readonly completedAt: string | null
}

interface RefundJson {
  readonly id: string
  readonly paymentId: string
  readonly bookingId: string
  readonly status: string
  readonly reason: string
  readonly amount: MoneyJson
  readonly transactionId: string | null
  readonly createdAt: string
  readonly completedAt: string | null
}

type HistoryEntryJson = ({ readonly type: "charge" } & PaymentJson) | ({ readonly type: "refund" } & RefundJson)

export interface HistoryJson {
  readonly items: ReadonlyArray<HistoryEntryJson>
  readonly nextCursor: string | null
}

type Answer = HttpAssertions.Answer

export const paymentOf = (answer: Answer) => answer.body as PaymentJson
export const historyOf = (answer: Answer) => answer.body as HistoryJson
export const chargesOf = (history: HistoryJson) =>
  history.items.filter((item): item is { readonly type: "charge" } & PaymentJson => item.type === "charge")
export const refundsOf = (history: HistoryJson) =>
  history.items.filter((item): item is { readonly type: "refund" } & RefundJson => item.type === "refund")

export const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export const unknownId = "01930b2c-7d3e-7a4b-8c5d-6e7f8a9b0c1d"

/** What every booking of these tests owes: two economy seats at 450.00 GBP. */
export const total = { amount: 90_000, currency: "GBP" }

/** A booking's hold that runs out in an hour. */
export const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000).toISOString()

/** A booking's hold that ran out a minute ago. */
export const aMinuteAgo = () => new Date(Date.now() - 60 * 1000).toISOString()

type Json = Record<string, unknown>

/** A valid payment request: the booking, paid by card with this token; fields overridable. */
export const payBody = (bookingId: string, token = "tok_visa", overrides: Json = {}): Json => ({
  bookingId,
  method: { type: "card", token },
  ...overrides,
})

/** A fresh Idempotency-Key. */
export const newKey = () => `pay-${Bun.randomUUIDv7()}`
