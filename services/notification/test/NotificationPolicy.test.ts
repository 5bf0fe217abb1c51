/**
 * The service's policies as values, without HTTP: who may send notifications and read which
 * history (NotificationAccess), and the consumer's failure policy, on the TestClock.
 */
import { AuthProblem, Principal } from "@flight/auth"
import { BookingId } from "@flight/contracts"
import { describe, expect, test } from "bun:test"
import { Duration, Effect, Either, FastCheck, Fiber, Option, Ref, TestClock, TestContext } from "effect"
import * as NotificationAccess from "../src/application/NotificationAccess.ts"
import { claimLease, ContactUnknown, NotificationInProgress } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { DeliveryFailed, NotificationStoreError } from "../src/domain/Notification.ts"
import { TemplateDataInvalid, TemplateDataMissing, TemplateUnknown } from "../src/domain/Templates.ts"

describe("NotificationAccess", () => {
  const x = BookingId.make(Bun.randomUUIDv7())
  const y = BookingId.make(Bun.randomUUIDv7())
  const ada = new Principal.Customer({ sub: "ada", roles: ["customer"] })
  const bob = new Principal.Customer({ sub: "bob", roles: ["customer"] })
  const guestOfX = new Principal.GuestBooking({ sub: `guest:${x}`, bookingId: x })
  const guestOfY = new Principal.GuestBooking({ sub: `guest:${y}`, bookingId: y })
  const ops = new Principal.Staff({ sub: "olga", roles: ["ops"] })
  const admin = new Principal.Staff({ sub: "ann", roles: ["admin"] })
  const callers = [Option.none(), ...[ada, bob, guestOfX, guestOfY, ops, admin].map(Option.some)]

  /** The status each caller (anonymous, ada, bob, guest of X, guest of Y, ops, admin) is answered. */
  const statuses = (booking: Option.Option<NotificationAccess.AskedBooking>) =>
    callers.map((caller) =>
      Either.match(NotificationAccess.canReadHistory(caller, { booking }), { onLeft: (problem) => problem.status, onRight: () => 200 })
    )
  const asked = (id: string, owner: Option.Option<string | null>) =>
    Option.some({ id, known: Option.map(owner, (sub) => ({ owner: sub })) })

  test("ops and admin send notifications and read the whole history; customers and guests do not", () => {
    expect([ada, guestOfX, ops, admin].map(NotificationAccess.canSend)).toEqual([false, false, true, true])
    expect([ada, guestOfX, ops, admin].map(NotificationAccess.canReadAll)).toEqual([false, false, true, true])
  })

  test("without a booking: 401 anonymous, 403 a customer or a guest, ops and admin read", () => {
    expect(statuses(Option.none())).toEqual([401, 403, 403, 403, 403, 200, 200])
  })

  test("an account's booking X: its owner, X's guest token, ops and admin read; another customer and Y's guest token get 404", () => {
    expect(statuses(asked(x, Option.some("ada")))).toEqual([401, 200, 404, 200, 404, 200, 200])
  })

  test("a guest's booking (no owner, or announced by version 1): its guest token and staff read; every customer gets 404", () => {
    expect(statuses(asked(y, Option.some(null)))).toEqual([401, 404, 404, 404, 200, 200, 200])
  })

  test("a booking notification has not heard of: its own guest token reads (booking signed it), staff read; accounts get 404", () => {
    expect(statuses(asked(x, Option.none()))).toEqual([401, 404, 404, 200, 404, 200, 200])
  })

  test("anonymous is the 401 with the Bearer challenge; a refused caller's 404 is the very problem of an unknown booking", () => {
    const anonymous = NotificationAccess.canReadHistory(Option.none(), { booking: asked(x, Option.some("ada")) })
    expect(anonymous).toEqual(Either.left(AuthProblem.noToken("missing")))
    const refused = NotificationAccess.canReadHistory(Option.some(bob), { booking: asked(x, Option.some("ada")) })
    const unknown = NotificationAccess.canReadHistory(Option.some(bob), { booking: asked(y, Option.none()) })
    expect(Either.isLeft(refused) && refused.left.status).toBe(404)
    expect(refused).toEqual(unknown)
    expect(refused).toEqual(Either.left(NotificationAccess.bookingNotFound()))
  })

  test("a customer reads a known booking's history exactly when it is the owner; a guest token exactly its own booking", () => {
    const sub = FastCheck.stringMatching(/^[a-z0-9|-]{1,24}$/)
    const whose = FastCheck.record({ caller: sub, another: sub, owner: FastCheck.constantFrom("the caller", "another", "a guest") })
    FastCheck.assert(FastCheck.property(whose, ({ another, caller, owner: which }) => {
      const owner = which === "the caller" ? caller : which === "another" ? another : null
      const customer = new Principal.Customer({ sub: caller, roles: ["customer"] })
      const booking = { id: x, known: Option.some({ owner }) }
      expect(NotificationAccess.canReadBooking(customer, booking)).toBe(owner === caller)
    }))
    FastCheck.assert(FastCheck.property(FastCheck.uuid({ version: 7 }), FastCheck.boolean(), (id, known) => {
      const guest = new Principal.GuestBooking({ sub: `guest:${id}`, bookingId: BookingId.make(id) })
      const booking = (of: string) => ({ id: of, known: known ? Option.some({ owner: null }) : Option.none() })
      expect([NotificationAccess.canReadBooking(guest, booking(id)), NotificationAccess.canReadBooking(guest, booking(x))]).toEqual([true, id === x])
    }))
  })
})

test("a delivery that may work later, an unknown contact, a notification held by another sender and a store outage are retried; a bad template or a refused delivery are not", () => {
  const { isTransient } = NotificationEvents.policy
  expect(isTransient(new DeliveryFailed({ channel: "email", reason: "451 try later", transient: true }))).toBe(true)
  expect(isTransient(new ContactUnknown({ bookingId: "b" }))).toBe(true)
  expect(isTransient(new NotificationInProgress({ key: "k" }))).toBe(true)
  expect(isTransient(new NotificationStoreError({ operation: "claim", reason: "connection refused" }))).toBe(true)
  expect(isTransient(new TemplateDataInvalid({ template: "booking-received", fields: ["reference"] }))).toBe(false)
  expect(isTransient(new DeliveryFailed({ channel: "email", reason: "550 no such user", transient: false }))).toBe(false)
  expect(isTransient(new TemplateUnknown({ template: "x" }))).toBe(false)
  expect(isTransient(new TemplateDataMissing({ template: "booking-received", fields: ["reference"] }))).toBe(false)
})

/** The instants (ms) at which an effect that always fails with `error` is tried under `deliveryRetry`, and how it ended. */
const triedUnder = (error: unknown) =>
  Effect.gen(function* () {
    const instants = yield* Ref.make<Array<number>>([])
    const fiber = yield* Effect.fork(
      Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(instants, (all) => [...all, now])).pipe(
        Effect.zipRight(Effect.fail(error)),
        Effect.retry(NotificationEvents.deliveryRetry),
        Effect.either,
      ),
    )
    yield* TestClock.adjust("10 minutes")
    const ended = yield* Fiber.join(fiber)
    const all = yield* Ref.get(instants)
    return { all, delays: all.slice(1).map((at, index) => at - all[index]!), ended }
  }).pipe(Effect.provide(TestContext.TestContext))

test("deliveries are retried with backoff capped at 5 s for three minutes, far past a claim's lease, then the message is given up", () =>
  Effect.runPromise(Effect.gen(function* () {
    const { all, delays, ended } = yield* triedUnder(new DeliveryFailed({ channel: "email", reason: "down", transient: true }))
    expect(ended._tag).toBe("Left")
    expect(Math.max(...delays)).toBeLessThanOrEqual(5_000)
    expect(delays[0]!).toBeLessThanOrEqual(300)
    expect(all.at(-1)! - all[0]!).toBeGreaterThan(Duration.toMillis(claimLease) * 10)
    expect(all.at(-1)! - all[0]!).toBeGreaterThanOrEqual(175_000)
    expect(all.at(-1)! - all[0]!).toBeLessThanOrEqual(185_000)
  })))

test("a notification held by another sender is asked again at least every third of a claim's lease (as often as its holder renews it)", () =>
  Effect.runPromise(Effect.gen(function* () {
    const { all, delays } = yield* triedUnder(new NotificationInProgress({ key: "k" }))
    expect(Math.max(...delays)).toBeLessThanOrEqual(Duration.toMillis(claimLease) / 3)
    expect(delays[0]!).toBeLessThanOrEqual(300)
    // Still for three minutes: a slow sender's claim is waited for, not given up after a few leases.
    expect(all.at(-1)! - all[0]!).toBeGreaterThanOrEqual(175_000)
  })))
