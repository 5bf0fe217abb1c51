/**
 * The holding limit's ledger in memory (DESIGN §10), used by the in-memory store inside its hold,
 * confirm and release steps, so a check and the hold it admits are one step. Per holder, the holds
 * that count (seats, expiry); what ran out is dropped when a holder is next checked.
 */
import type { BookingId } from "@flight/contracts"
import { type Admission, admit, type Counted, type Holder, type HoldLimit } from "../domain/HoldLimit.ts"

export const make = () => {
  const byHolder = new Map<Holder, Map<BookingId, Counted>>()
  const holdersOf = new Map<BookingId, ReadonlyArray<Holder>>()

  const counted = (holder: Holder, now: number) => {
    const holds = byHolder.get(holder) ?? new Map<BookingId, Counted>()
    for (const [id, hold] of holds) if (hold.expiresAt <= now) holds.delete(id)
    if (holds.size === 0) byHolder.delete(holder)
    return [...holds.values()]
  }

  return {
    /** Whether `seats` more fit each holder's budget at `now`. */
    admit: (limit: HoldLimit, seats: number, now: number): Admission =>
      admit(limit.holders.map((holder) => counted(holder, now)), seats, limit.maxSeats, now),
    /** Counts a new hold against its holders. */
    add: (id: BookingId, limit: HoldLimit, hold: Counted) => {
      if (limit.holders.length === 0) return
      holdersOf.set(id, limit.holders)
      for (const holder of limit.holders) byHolder.set(holder, (byHolder.get(holder) ?? new Map()).set(id, hold))
    },
    /** A hold paid, cancelled or expired: it counts no more. */
    release: (id: BookingId) => {
      for (const holder of holdersOf.get(id) ?? []) {
        const holds = byHolder.get(holder)
        holds?.delete(id)
        if (holds?.size === 0) byHolder.delete(holder)
      }
      holdersOf.delete(id)
    },
  }
}
