/**
 * The contract every adapter of FlightRepository (with its outbox) passes: the in-memory one always,
 * the MongoDB one against a real server. Each concept is a module of its own; this runs them all.
 */
import { describe } from "bun:test"
import { idempotencyContract } from "./FlightRepositoryIdempotency.contract.ts"
import { ledgerContract } from "./FlightRepositoryLedger.contract.ts"
import { outboxContract } from "./FlightRepositoryOutbox.contract.ts"
import { searchContract } from "./FlightRepositorySearch.contract.ts"
import { writesContract } from "./FlightRepositoryWrites.contract.ts"
import { contractTest, type RepositoryLayer } from "./support/RepositoryContract.ts"

export { flightOf, type RepositoryLayer } from "./support/RepositoryContract.ts"

export const contract = (name: string, layer: () => RepositoryLayer) =>
  describe(`FlightRepository contract: ${name}`, () => {
    const it = contractTest(layer)
    describe("writes and versions", () => writesContract(it))
    describe("Idempotency-Key", () => idempotencyContract(it))
    describe("the booking ledger", () => ledgerContract(it))
    describe("search and departures", () => searchContract(it))
    describe("outbox", () => outboxContract(it))
  })
