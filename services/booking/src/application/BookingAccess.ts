/**
 * Who may do what with a booking (DESIGN §10, decision 17), as pure functions of the caller and the
 * booking. Anyone may book: an anonymous caller makes a guest booking, an account makes one it owns.
 * A booking is reached by its owner, by its own guest token, and by staff (ops, admin); anyone else
 * is told it does not exist (404), never that it is forbidden. Staff alone list a flight's bookings
 * and find a booking by its reference without a passenger's last name.
 */
import { Policy, type Principal } from "@flight/auth"
import type { Route } from "@flight/runtime"
import { Option } from "effect"
import { type Booking, Owner } from "../domain/Booking.ts"

type Caller = Option.Option<Principal.Principal>

/**
 * The owner a new booking records: the account's `sub` (a customer, or staff booking as a customer
 * does); none for an anonymous caller or a guest token, whose booking is a guest's.
 */
export const ownerFor = (caller: Caller): Owner | null =>
  Option.match(caller, {
    onNone: () => null,
    onSome: (principal) => principal.kind === "guest-booking" ? null : Owner.make(principal.sub),
  })

/** Whether the caller may see the booking: its owner, its guest token, staff. */
export const canRead = (caller: Caller, booking: Booking): boolean =>
  Option.match(caller, {
    onNone: () => false,
    onSome: (principal) => Policy.canAccessBooking(principal, { id: booking.id, ownerSub: booking.owner }),
  })

/** Whether the caller may cancel the booking: the same callers as may read it (ops cancel for a customer). */
export const canCancel = canRead

/** Whose bookings "my trips" lists: an account's own; a guest token has no trips but its booking. */
export const tripsOf = (caller: Caller): Option.Option<Owner> =>
  Option.flatMap(caller, (principal) => principal.kind === "guest-booking" ? Option.none() : Option.some(Owner.make(principal.sub)))

/**
 * Who may ask the staff's queries: a flight's bookings, a booking by its reference alone (the
 * operations console). Ops and admin; a customer or a guest token is a known principal without the
 * role (403), an anonymous caller has no token (401).
 */
export const staffQueries: Route.Access = Policy.roles("ops", "admin")

/** Whether the caller may ask the staff's queries. */
export const isStaffCaller = (caller: Caller): boolean =>
  Option.exists(caller, (principal) => Policy.permits(staffQueries, principal))
