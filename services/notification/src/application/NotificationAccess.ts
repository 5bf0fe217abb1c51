/**
 * Who may do what with notifications (DESIGN §10), as values and pure functions of the caller.
 * Sending one is the operations staff's (no longer an open relay); the whole history is theirs too.
 * The history of one booking is for whoever may reach the booking itself (`Policy.canAccessBooking`):
 * its owner, its guest token, and staff. Anyone else is told notification knows no such booking
 * (404), exactly as for a booking it has never heard of, never that it is forbidden.
 */
import { Policy, type Principal } from "@flight/auth"
import { Problem } from "@flight/runtime"
import { Either, Option } from "effect"

type Caller = Option.Option<Principal.Principal>

/** Sending a notification (`POST /api/notifications`): ops and admin. */
export const sending = Policy.roles("ops", "admin")

/** Reading the history of every booking and recipient: ops and admin. */
export const readingAll = Policy.roles("ops", "admin")

/** Reading the history at all: a signed-in caller; which history, `canReadHistory` decides. */
export const readingHistory = "authenticated" as const

export const canSend = (principal: Principal.Principal): boolean => Policy.permits(sending, principal)

export const canReadAll = (principal: Principal.Principal): boolean => Policy.permits(readingAll, principal)

/** What notification knows of a booking once its `booking.created` arrived: the account that owns it, null for a guest's. */
export interface KnownBooking {
  readonly owner: string | null
}

/** A booking whose history is asked for: its id, and what notification knows of it (none before its booking.created). */
export interface AskedBooking {
  readonly id: string
  readonly known: Option.Option<KnownBooking>
}

/**
 * The answer for a booking the caller may not read, the same as for one notification does not
 * know: nothing in it tells the two apart.
 */
export const bookingNotFound = (): Problem.Problem => Problem.notFound("booking-not-found", "No booking matches")

/**
 * Whether `principal` may read the history of a booking: its owner (known once booking.created
 * arrived: an account asking before, or about a booking version 1 announced without an owner, is
 * refused), the holder of its guest token (the token is booking's signature naming it, so even
 * before notification heard of it), ops and admin.
 */
export const canReadBooking = (principal: Principal.Principal, booking: AskedBooking): boolean =>
  Policy.canAccessBooking(principal, {
    id: booking.id,
    ownerSub: Option.match(booking.known, { onNone: () => null, onSome: (known) => known.owner }),
  })

/**
 * Whether `caller` may read the history with this filter: 401 for an anonymous caller; with a
 * booking, as `canReadBooking` says, 404 otherwise; without one, only ops and admin (403 for
 * another). A recipient filter narrows what is read and changes nothing here.
 */
export const canReadHistory = (
  caller: Caller,
  filter: { readonly booking: Option.Option<AskedBooking> },
): Either.Either<void, Problem.Problem> =>
  Either.flatMap(Policy.admit(readingHistory, caller), (): Either.Either<void, Problem.Problem> =>
    Option.match(filter.booking, {
      onNone: () => Either.map(Policy.admit(readingAll, caller), () => undefined),
      onSome: (booking) =>
        Option.exists(caller, (principal) => canReadBooking(principal, booking)) ? Either.void : Either.left(bookingNotFound()),
    }))
