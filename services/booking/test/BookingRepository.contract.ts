/**
 * The contract every adapter of BookingRepository (with its outbox) passes: the in-memory one always,
 * the Redis one against a real server. Each concept is a module of its own; this runs them all.
 */
import { describe } from "bun:test"
import { flightsContract } from "./BookingRepositoryFlights.contract.ts"
import { holdsContract } from "./BookingRepositoryHolds.contract.ts"
import { idempotencyContract } from "./BookingRepositoryIdempotency.contract.ts"
import { listingsContract } from "./BookingRepositoryListings.contract.ts"
import { transitionsContract } from "./BookingRepositoryTransitions.contract.ts"
import { contractTest, type RepositoryLayer } from "./support/RepositoryContract.ts"

export { drain, type RepositoryLayer } from "./support/RepositoryContract.ts"

export const contract = (name: string, layer: () => RepositoryLayer) =>
  describe(`BookingRepository contract: ${name}`, () => {
    const it = contractTest(layer)
    describe("flights on sale", () => flightsContract(it))
    describe("holds", () => holdsContract(it))
    describe("confirm, cancel and expire", () => transitionsContract(it))
    describe("Idempotency-Key", () => idempotencyContract(it))
    describe("owners, listings and references", () => listingsContract(it))
  })
