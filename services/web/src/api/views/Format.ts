/** How values read on a page: money in major units, times in UTC, states in words. */
import type { Money } from "../../domain/Resources.ts"

export const money = (value: Money): string => {
  const major = (value.amount / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return `${major} ${value.currency}`
}

/** `2026-12-01T10:00:00Z` → `Tue 1 Dec 2026, 10:00 UTC`. */
export const time = (iso: string): string => {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const day = date.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
  return `${day}, ${iso.slice(11, 16)} UTC`
}

export const clock = (iso: string): string => iso.slice(11, 16)

/** A `datetime-local` field's value for an ISO time (UTC). */
export const localInput = (iso: string): string => iso.slice(0, 16)

export const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

export const bookingStatus: Readonly<Record<string, string>> = {
  pending: "Pending: waiting for payment",
  confirmed: "Confirmed",
  cancelled: "Cancelled",
  expired: "Expired: the hold ran out",
}

export const cancellationReason: Readonly<Record<string, string>> = {
  customer: "cancelled on request",
  expired: "the hold ran out",
  "flight-cancelled": "the flight was cancelled",
}

export const failureReason = (reason: string | null | undefined): string =>
  reason === "card_declined" ? "the card was declined"
  : reason === "insufficient_funds" ? "the card has insufficient funds"
  : reason === "invalid_token" ? "the card was not recognised"
  : reason === null || reason === undefined ? "the payment failed"
  : `the payment failed (${reason.replaceAll("_", " ")})`
