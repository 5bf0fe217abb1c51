/**
 * Who may pay a booking and who may read its payments (DESIGN §10, decision 17), as pure functions
 * of the caller and what payment knows of the booking: its intent, with the owner `booking.created`
 * named. Payment asks booking nothing. Anyone refused is answered as for a booking or payment that
 * does not exist (404), never 403, which would tell a stranger that it exists.
 */
import { Policy, type Principal } from "@flight/auth"
import type { BookingId } from "@flight/contracts"
import { Option } from "effect"

/**
 * What payment knows of a booking's owner: None until `booking.created` (or a `booking.cancelled`
 * that overtook it) has arrived; then the account that made it, null for a guest's booking and for
 * one a version 1 message announced.
 */
export type Known = Option.Option<{ readonly owner: string | null }>

const accessOf = (bookingId: BookingId, known: Known): Policy.BookingAccess => ({
  id: bookingId,
  ownerSub: Option.match(known, { onNone: () => null, onSome: ({ owner }) => owner }),
})

/**
 * Who the caller may pay the booking as, before its intent is looked at: `anyone` (the holder of its
 * guest token, whoever owns the booking), `owner` (an account, staff included: only a booking the
 * intent names it the owner of; ops and admin otherwise read a booking's payments but never pay it,
 * since the card is the customer's), `nobody` (a guest token of another booking). The store checks
 * `owner` against the intent in the statement that begins the payment (`BeginPayment.payer`).
 */
export type Payer =
  | { readonly _tag: "anyone" }
  | { readonly _tag: "owner"; readonly sub: string }
  | { readonly _tag: "nobody" }

export const payerOf = (principal: Principal.Principal, bookingId: string): Payer => {
  switch (principal.kind) {
    case "guest-booking":
      return principal.bookingId === bookingId ? { _tag: "anyone" } : { _tag: "nobody" }
    case "customer":
    case "staff":
      return { _tag: "owner", sub: principal.sub }
  }
}

/** Whether the caller may pay the booking: the holder of its guest token, or the account that owns it. */
export const canPay = (principal: Principal.Principal, booking: Policy.BookingAccess): boolean => {
  const payer = payerOf(principal, booking.id)
  return payer._tag === "anyone" || (payer._tag === "owner" && booking.ownerSub === payer.sub)
}

/** Whether the caller may read the booking's payments: its owner, its guest token, ops and admin. */
export const canRead = (principal: Principal.Principal, booking: Policy.BookingAccess): boolean =>
  Policy.canAccessBooking(principal, booking)

/**
 * What a request to pay the booking gets: `pay` (go on to charge it), `refused` (the 404 of an
 * unknown booking) or `not-ready` (the 409 `payment-not-ready` with Retry-After).
 *
 * Once the intent has arrived the owner is known, and `canPay` decides. Before it arrives:
 * - the booking's own guest token goes on, as before owners: the store answers `payment-not-ready`
 *   until the intent is there, and charges it if it arrived meanwhile;
 * - a guest token of another booking is refused: it can never pay this one;
 * - an account is told `not-ready`, whoever it is. Its owner cannot be known yet, and the client's
 *   first payment commonly overtakes `booking.created`: a 404 would tell the owner who just booked
 *   that the booking does not exist, and a client does not retry a 404. Its retry is decided again
 *   once the intent is there (404 for anyone but the owner). The cost: an account that holds a
 *   booking's id can tell "not arrived yet or unknown" (409) from "someone else's" (404), that is,
 *   that an id it already holds names a booking; it learns nothing of the booking itself.
 *   Nothing is charged on a `not-ready`: the store decides it in the statement that would begin
 *   the charge (`payerOf`), so an intent that arrives meanwhile cannot be paid by someone who is
 *   not its owner.
 */
export const payDecision = (principal: Principal.Principal, bookingId: BookingId, known: Known): "pay" | "refused" | "not-ready" => {
  const payer = payerOf(principal, bookingId)
  if (payer._tag !== "owner") return payer._tag === "anyone" ? "pay" : "refused"
  return Option.match(known, { onNone: () => "not-ready", onSome: ({ owner }) => owner === payer.sub ? "pay" : "refused" })
}

/**
 * Whether the caller may read the booking's payments (and each of them). Before the intent arrives
 * no owner is known: its guest token and staff read an empty history, any other account gets the
 * 404 of an unknown booking (which it is, as far as payment can tell).
 */
export const canReadPayments = (principal: Principal.Principal, bookingId: BookingId, known: Known): boolean =>
  canRead(principal, accessOf(bookingId, known))
