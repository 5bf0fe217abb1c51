/**
 * Who may do what with notifications (DESIGN §10), as values and pure functions of the caller.
 * Sending one is the operations staff's (no longer an open relay); the whole history is theirs too;
 * the history of one booking is open for now, until the booking's owner can be told apart (the next
 * step: its owner or guest token, and ops).
 */
import { Policy, type Principal } from "@flight/auth"
import type { Problem } from "@flight/runtime"
import { Either, Option } from "effect"

/** Sending a notification (`POST /api/notifications`): ops and admin. */
export const sending = Policy.roles("ops", "admin")

/** Reading the history of every booking and recipient: ops and admin. */
export const readingAll = Policy.roles("ops", "admin")

export const canSend = (principal: Principal.Principal): boolean => Policy.permits(sending, principal)

export const canReadAll = (principal: Principal.Principal): boolean => Policy.permits(readingAll, principal)

/**
 * Whether `caller` may read the history with this filter: with a booking, anyone (for now); without
 * one, only ops and admin (401 for an anonymous caller, 403 for another).
 */
export const canReadHistory = (
  caller: Option.Option<Principal.Principal>,
  filter: { readonly bookingId: Option.Option<string> },
): Either.Either<void, Problem.Problem> =>
  Option.isSome(filter.bookingId)
    ? Either.void
    : Either.map(Policy.admit(readingAll, caller), () => undefined)

