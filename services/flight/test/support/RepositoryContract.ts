/**
 * What the FlightRepository contract modules share: the adapter's layer, a test on a fresh one, the
 * flights they write (scheduled at a fixed time, under new ids), and a search's criteria.
 */
import type { Outbox } from "@flight/bus"
import { FlightId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { DateTime, type Effect, type Layer, Option, type Schema } from "effect"
import * as Flight from "../../src/domain/Flight.ts"
import type { FlightRepository, SearchCriteria } from "../../src/domain/FlightRepository.ts"
import { scheduleOf } from "./Fixtures.ts"

export type RepositoryLayer = Layer.Layer<FlightRepository | Outbox.Store, unknown>

/** Registers a test of the contract, run on a fresh layer of the adapter. */
export type ContractTest = (title: string, body: () => Effect.Effect<void, unknown, FlightRepository | Outbox.Store>) => void

export const contractTest = (layer: () => RepositoryLayer): ContractTest => (title, body) =>
  EffectTest.effect(title, () => body(), { layer: layer(), timeout: 30_000 })

export const now = DateTime.unsafeMake("2026-11-26T12:00:00Z")

export const newId = () => FlightId.make(Bun.randomUUIDv7())

export const flightOf = (overrides: Partial<Schema.Schema.Encoded<typeof Flight.FlightSchedule>> = {}) =>
  Flight.schedule(newId(), scheduleOf(overrides), now)

/** A search of LHR→JFK on 2026-12-01 for one economy seat, the first 20; fields overridable. */
export const criteria = (overrides: Partial<SearchCriteria> = {}): SearchCriteria => ({
  origin: "LHR" as SearchCriteria["origin"],
  destination: "JFK" as SearchCriteria["destination"],
  date: "2026-12-01" as Flight.Day,
  cabin: "economy",
  passengers: 1,
  limit: 20,
  after: Option.none(),
  ...overrides,
})
