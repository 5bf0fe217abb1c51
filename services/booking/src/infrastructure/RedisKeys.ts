/**
 * The booking store's key layout on Redis (decision 10), under a prefix ("booking" in production; a
 * test or a benchmark takes one of its own). A flight's keys carry its hash tag `{<flightId>}`, so
 * its scripts touch one slot for the flight; the lookups that cannot carry it (by booking id, by
 * reference, by owner, by Idempotency-Key, the expiry index, the outbox's dirty marks) are global
 * keys, each in a slot of its own.
 */

/** A name's hash in a key: no personal data and no braces in key names. (SHA-256, the first 32 hex digits.) */
const hashed = (text: string) => Bun.SHA256.hash(text, "hex").slice(0, 32)

/** The keys under a prefix ("booking" in production; a test or a benchmark takes one of its own). */
export const keysFor = (prefix: string) => ({
  seating: (flight: string) => `${prefix}:{${flight}}:seating`,
  seats: (flight: string, cabin: string) => `${prefix}:{${flight}}:seats:${cabin}`,
  booking: (flight: string, booking: string) => `${prefix}:{${flight}}:booking:${booking}`,
  active: (flight: string) => `${prefix}:{${flight}}:active`,
  /** Every booking of the flight, whatever its status, scored by creation time (ms): the staff's listing. */
  bookings: (flight: string) => `${prefix}:{${flight}}:bookings`,
  expiries: (flight: string) => `${prefix}:{${flight}}:expiries`,
  outbox: (flight: string) => `${prefix}:{${flight}}:outbox`,
  /** Outbox entries no build can read (malformed), moved aside with the reason. */
  deadOutbox: (flight: string) => `${prefix}:{${flight}}:outbox:dead`,
  status: (flight: string) => `${prefix}:{${flight}}:status`,
  /** The holder sets a pending booking counts in (`RedisHoldLimits`). */
  holders: (flight: string, booking: string) => `${prefix}:{${flight}}:holders:${booking}`,
  /** A holder's held seats (`RedisHoldLimits`); the holder hashed, as it may be an email or an address. */
  holder: (holder: string) => `${prefix}:holder:{${hashed(holder)}}`,
  where: (booking: string) => `${prefix}:where:{${booking}}`,
  /** An owner's bookings (`flight/booking`) by creation time; the owner hashed, since a `sub` may hold braces. */
  owner: (owner: string) => `${prefix}:owner:{${hashed(owner)}}`,
  reference: (reference: string) => `${prefix}:ref:{${reference}}`,
  key: (key: string) => `${prefix}:idempotency:{${hashed(key)}}`,
  expiring: `${prefix}:expiring`,
  dirty: `${prefix}:outbox:dirty`,
  flights: `${prefix}:flights`,
  /** The version of the index rebuild done on this store (`RedisIndexRebuild`). */
  indexes: `${prefix}:indexes`,
})

export type Keys = ReturnType<typeof keysFor>

/** The production keys. */
export const keys = keysFor("booking")
