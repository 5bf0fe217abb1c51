/**
 * The booking store against a model (DESIGN.md §6, invariants 1 and 2): random sequences of holds,
 * confirmations, cancellations and expiries across many bookings on one flight, run against an
 * adapter and against a simple model side by side. After every step the adapter answers what the
 * model predicts, and the seats and bookings it keeps are the model's:
 * - no seat is held or sold to two bookings; held + sold + free = capacity;
 * - every booking is in exactly one status, the model's, and takes exactly its passengers' seats
 *   while pending or confirmed;
 * - no holder (DESIGN §10: an email, an address, an account) holds more than the limit: a hold that
 *   would take one of its holders over it is refused, with the retry time the model works out.
 *
 * Time is the test's: every call gets its `now`, and the holds are stamped on the same clock, one
 * hour ahead of the wall clock. A hold's expiry is passed by moving that clock, never by sleeping,
 * and no sweeper running on the same Redis (e.g. a service) ever finds these holds due.
 */
import { RealServer } from "@flight/runtime/testing"
import { afterAll, describe, test } from "bun:test"
import { Layer, Redacted } from "effect"
import * as InMemoryBookingRepository from "../src/infrastructure/InMemoryBookingRepository.ts"
import * as RedisBookingRepository from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { check } from "./support/BookingStoreRun.ts"
import { deletePrefix, testPrefix } from "./support/Fixtures.ts"

const title = "random holds, confirmations, cancellations and expiries answer as the model says; " +
  "no seat is taken by two bookings, held + sold + free = capacity, each booking is in the model's one status"

describe("booking store against a model: in-memory", () => {
  test(title, () => check(InMemoryBookingRepository.layer, 100), 60_000)
})

RealServer.describeWith("REDIS_URL", "booking store against a model: Redis", (url) => {
  const prefix = testPrefix()
  afterAll(() => deletePrefix(url, prefix))
  test(
    title,
    () => check(RedisBookingRepository.layerWith({ prefix }).pipe(Layer.provide(RedisStore.layer(Redacted.make(new URL(url))))), 25),
    120_000,
  )
})
