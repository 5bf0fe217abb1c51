/**
 * The holding limit (DESIGN §10; OWASP API6, seat hoarding): at most `maxSeats` seats held (pending)
 * at once per holder. A new booking counts against each of its holders separately: the account that
 * makes it (its owner), its contact email (lower-cased), and the client's network when its address is
 * known (the address; for IPv6 its /64, any address of which its holder may use). A hold
 * stops counting when it runs out, is paid (confirmed) or is cancelled.
 *
 * The store checks the limit in the same atomic step as the hold (see `BookingRepository.hold`); the
 * rule itself is `admit`, which the in-memory store runs and the Redis script mirrors.
 */
import { ClientAddress } from "@flight/runtime"
import { Schema } from "effect"
import type { Owner } from "./Booking.ts"

/** The default limit: a party of the largest size one booking takes (1-9 passengers). */
export const defaultMaxHeldSeats = 9

/** Who held seats count against, as `kind:value` (`owner:<sub>`, `email:<lower-cased>`, `address:<IPv4 or IPv6 /64>`). */
export const Holder = Schema.String.pipe(Schema.brand("Holder"))
export type Holder = typeof Holder.Type

/**
 * A loopback address (127.0.0.0/8, ::1) is never a client on the network: it is a proxy on the same
 * host that is not trusted to forward the client's address (the embedded gateway, a sidecar), or a
 * local test. Counting it would put every client behind that proxy into one budget, so it is not
 * counted; trusting the proxy (AUTH_TRUSTED_PROXIES) counts each client's own address instead.
 */
export const isLoopback = (address: string): boolean => /^127\./.test(address) || /^(0{0,4}:){2,7}0{0,3}1$/.test(address)

/** The holders of a new booking, each counted on its own. */
export const holdersOf = (booking: {
  readonly owner: Owner | null
  readonly email: string
  readonly clientAddress: string | null
}): ReadonlyArray<Holder> => [
  ...(booking.owner === null ? [] : [Holder.make(`owner:${booking.owner}`)]),
  Holder.make(`email:${booking.email.toLowerCase()}`),
  ...(booking.clientAddress === null || isLoopback(booking.clientAddress)
    ? []
    : [Holder.make(`address:${ClientAddress.networkOf(booking.clientAddress)}`)]),
]

/** What a store asks of a hold: its holders and the limit each of them has. */
export interface HoldLimit {
  readonly holders: ReadonlyArray<Holder>
  readonly maxSeats: number
}

/** No holder: the hold counts against nobody (a store's own tests). */
export const uncounted: HoldLimit = { holders: [], maxSeats: defaultMaxHeldSeats }

/**
 * A holder of the request already holds too many seats. `held` is the most any of its holders holds;
 * `retryAfterMillis` how long until enough of their holds run out for the request to fit. Which
 * holder it was is not said: the caller may have typed someone else's email.
 */
export class HoldLimitReached extends Schema.TaggedError<HoldLimitReached>()("HoldLimitReached", {
  limit: Schema.Int,
  held: Schema.Int,
  retryAfterMillis: Schema.NonNegative,
}) {
  override get message() {
    return `${this.held} ${this.held === 1 ? "seat is" : "seats are"} held already and at most ${this.limit} may be held at once: ` +
      "pay for or cancel a booking, or wait for a hold to run out"
  }
}

/** A party larger than the limit could never be held, whatever runs out. */
export class PartyOverHoldLimit extends Schema.TaggedError<PartyOverHoldLimit>()("PartyOverHoldLimit", {
  limit: Schema.Int,
  passengers: Schema.Int,
}) {
  override get message() {
    return `At most ${this.limit} seats may be held at once; this booking asks for ${this.passengers}`
  }
}

/** One hold that counts: its seats and when it runs out (ms). */
export interface Counted {
  readonly seats: number
  readonly expiresAt: number
}

export type Admission =
  | { readonly _tag: "Admitted" }
  | { readonly _tag: "Refused"; readonly held: number; readonly retryAt: number }

/**
 * Whether `requested` more seats fit every holder's budget at `now`. Each entry of `holdings` is one
 * holder's holds; those that ran out by `now` (expiry at or before it) do not count. Refused: the
 * most any refusing holder holds, and the latest moment at which, for each of them, enough of their
 * holds have run out for the request to fit.
 */
export const admit = (holdings: ReadonlyArray<ReadonlyArray<Counted>>, requested: number, maxSeats: number, now: number): Admission => {
  let refused = false
  let mostHeld = 0
  let latest = now
  for (const holds of holdings) {
    const live = holds.filter((hold) => hold.expiresAt > now).toSorted((a, b) => a.expiresAt - b.expiresAt)
    const held = live.reduce((sum, hold) => sum + hold.seats, 0)
    if (held + requested <= maxSeats) continue
    refused = true
    mostHeld = Math.max(mostHeld, held)
    let left = held
    for (const hold of live) {
      left -= hold.seats
      latest = Math.max(latest, hold.expiresAt)
      if (left + requested <= maxSeats) break
    }
  }
  return refused ? { _tag: "Refused", held: mostHeld, retryAt: latest } : { _tag: "Admitted" }
}
