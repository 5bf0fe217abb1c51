/**
 * Entries a write hands straight to this process's relay. Once the relay has attached itself
 * (`Outbox.OutboxStore.attach`), a change whose document has no pending entries writes its events
 * already leased to that relay (the update's filter says `outboxPending: false`, so nothing written
 * before is passed over), and keeps them here; the relay's next claim answers them from memory. The
 * ordinary claim leases the document (a rewrite, which FerretDB makes of the whole document) and reads
 * the entries back, besides the query for candidates: a handed event costs one rewrite and two reads
 * fewer, and is published as soon as the relay wakes.
 *
 * A handed entry stays leased in the document until the relay completes it, so a process that stops
 * in between loses nothing: its lease runs out and any relay claims the entries. One that reaches
 * the relay late (more than a third of the lease after its write) is left to the ordinary claim,
 * which finds it leased to the same owner (see `Outbox.RelayAttachment`).
 */
import type { Outbox } from "@flight/bus"
import { Duration, Effect } from "effect"
import type { StoredEvent } from "./MongoFlightOutbox.ts"

export interface Handed {
  readonly flightId: string
  /** The entries as the document stores them (completing pulls them by value). */
  readonly stored: ReadonlyArray<StoredEvent>
  readonly entries: ReadonlyArray<Outbox.OutboxEntry>
  /** When the write leased them (epoch milliseconds). */
  readonly at: number
}

export interface Lease {
  readonly owner: string
  readonly until: number
}

/** How many flights may have handed entries waiting (a relay that cannot publish stops taking them). */
const maxHanded = 1_000

/** How many flights are remembered as possibly pending (a hint: forgetting one costs one update). */
const maxPendingHere = 10_000

export const make = () => {
  let relay: { readonly owner: string; readonly leaseMillis: number } | null = null
  let handed: Array<Handed> = []
  // Flights this process wrote entries to the ordinary way, or handed, and has not seen emptied: a
  // write to one of them would find `outboxPending: true`, so it goes the ordinary way at once.
  const pendingHere = new Set<string>()
  // Whether the store may hold entries no handover told the relay of: at first (entries of an earlier
  // process), after an ordinary write, and after a late handover.
  let scanNeeded = true

  return {
    attach: (attachment: Outbox.RelayAttachment) =>
      Effect.sync(() => {
        relay = { owner: attachment.owner, leaseMillis: Duration.toMillis(attachment.lease) }
      }),

    /** The lease a write of entries to `flightId` takes now, or null to write them the ordinary way. */
    leaseFor: (flightId: string, now: number): Lease | null =>
      relay === null || pendingHere.has(flightId) || handed.length >= maxHanded
        ? null
        : { owner: relay.owner, until: now + relay.leaseMillis },

    /** A write took the lease: its entries wait here for the relay. */
    handOver: (entry: Handed) => {
      handed.push(entry)
      if (pendingHere.size >= maxPendingHere) pendingHere.clear()
      pendingHere.add(entry.flightId)
    },

    /** Entries written the ordinary way: the relay's next claim looks in the store. */
    wroteOrdinary: (flightId: string) => {
      scanNeeded = true
      if (pendingHere.size >= maxPendingHere) pendingHere.clear()
      pendingHere.add(flightId)
    },

    /** The flight's outbox was left empty (completed whole, or found empty). */
    emptied: (flightId: string) => {
      pendingHere.delete(flightId)
    },

    /**
     * The handed entries `owner` takes now (at most `limit` flights' worth, in the order written), and
     * whether the claim must also look in the store. Entries handed too long ago are dropped here and
     * left to that look.
     */
    take: (owner: string, limit: number, now: number): { readonly taken: ReadonlyArray<Handed>; readonly scan: boolean } => {
      if (relay === null || relay.owner !== owner || handed.length === 0) {
        const scan = true
        scanNeeded = false
        return { taken: [], scan }
      }
      const fresh = handed.filter((entry) => now - entry.at <= relay!.leaseMillis / 3)
      if (fresh.length < handed.length) scanNeeded = true
      const taken: Array<Handed> = []
      let count = 0
      for (const entry of fresh) {
        if (count >= limit) break
        taken.push(entry)
        count += entry.entries.length
      }
      handed = fresh.slice(taken.length)
      const scan = scanNeeded || taken.length === 0
      scanNeeded = false
      return { taken, scan }
    },
  }
}

export type Handover = ReturnType<typeof make>
