import { describe, expect, test } from "bun:test"
import { Effect, Exit, Schema } from "effect"
import { IdempotencyKey, Idempotent, Problem, Problems, StoreError } from "../src/index.ts"

// The failures of a booking API, as the services declare theirs.
class FlightNotFound extends Schema.TaggedError<FlightNotFound>()("FlightNotFound", { flightId: Schema.String }) {
  override get message() {
    return `No flight ${this.flightId} is on sale`
  }
}
class BookingNotFound extends Schema.TaggedError<BookingNotFound>()("BookingNotFound", { id: Schema.String }) {}
class SeatsUnavailable extends Schema.TaggedError<SeatsUnavailable>()("SeatsUnavailable", { seats: Schema.Array(Schema.String) }) {
  override get message() {
    return `Seats ${this.seats.join(", ")} are taken`
  }
}
class SeatNotInCabin extends Schema.TaggedError<SeatNotInCabin>()("SeatNotInCabin", { passenger: Schema.Int, seat: Schema.String }) {
  override get message() {
    return `${this.seat} is not in the cabin`
  }
}
class InvalidStatusChange extends Schema.TaggedError<InvalidStatusChange>()("InvalidStatusChange", {
  field: Schema.String,
  reason: Schema.String,
}) {}
class HoldLimitReached extends Schema.TaggedError<HoldLimitReached>()("HoldLimitReached", { retryAfterMillis: Schema.Number }) {
  override get message() {
    return "Too many seats are held"
  }
}
class GatewayUnavailable extends Schema.TaggedError<GatewayUnavailable>()("GatewayUnavailable", {}) {}
class BookingStoreError extends StoreError.Tagged("BookingStoreError", "booking") {}

type ApiError =
  | FlightNotFound
  | BookingNotFound
  | SeatsUnavailable
  | SeatNotInCabin
  | InvalidStatusChange
  | HoldLimitReached
  | GatewayUnavailable
  | Idempotent.IdempotencyKeyReused
  | Idempotent.RequestInProgress
  | BookingStoreError

/** The switch the services write today (booking's, with flight's and payment's cases), for reference. */
const switched = (error: ApiError): Problem.Problem => {
  switch (error._tag) {
    case "FlightNotFound":
      return Problem.notFound("flight-not-found", error.message)
    case "BookingNotFound":
      return Problem.notFound("booking-not-found", "No booking matches")
    case "SeatsUnavailable":
      return Problem.conflict("seats-unavailable", error.message)
    case "SeatNotInCabin":
      return Problem.badRequest("The booking is invalid", [{ path: `body.passengers.${error.passenger}.seat`, message: error.message }])
    case "InvalidStatusChange":
      return Problem.badRequest("The status change is invalid", [{ path: `body.${error.field}`, message: error.reason }])
    case "HoldLimitReached":
      return Problem.make({
        status: 429,
        type: "too-many-holds",
        title: "Too many seats held",
        detail: error.message,
        headers: { "retry-after": String(Math.max(1, Math.ceil(error.retryAfterMillis / 1000))) },
      })
    case "GatewayUnavailable":
      return Problem.unavailable("The payment gateway did not answer", 5)
    case "IdempotencyKeyReused":
      return IdempotencyKey.reused(error.key)
    case "RequestInProgress":
      return Problem.conflict("request-in-progress", "The first request with this Idempotency-Key is still being handled", {
        retryAfterSeconds: 1,
      })
    case "BookingStoreError":
      return error.transient ? Problem.unavailable("The booking store is unavailable", 1) : Problem.internal()
  }
}

const problems = Problems.make<ApiError>({
  FlightNotFound: Problems.notFound("flight-not-found"),
  BookingNotFound: Problems.notFound("booking-not-found", "No booking matches"),
  SeatsUnavailable: Problems.conflict("seats-unavailable"),
  SeatNotInCabin: Problems.badRequestAt("The booking is invalid", (error) => `body.passengers.${error.passenger}.seat`),
  InvalidStatusChange: Problems.badRequestAt("The status change is invalid", (error) => `body.${error.field}`, (error) => error.reason),
  HoldLimitReached: Problems.tooMany("too-many-holds", "Too many seats held", (error) => error.retryAfterMillis / 1000),
  GatewayUnavailable: Problems.unavailable("The payment gateway did not answer", 5),
  IdempotencyKeyReused: Problems.keyReused,
  RequestInProgress: Problems.requestInProgress,
  BookingStoreError: Problems.store("The booking store is unavailable"),
})

const sample: ReadonlyArray<ApiError> = [
  new FlightNotFound({ flightId: "f-1" }),
  new BookingNotFound({ id: "b-1" }),
  new SeatsUnavailable({ seats: ["12A", "12B"] }),
  new SeatNotInCabin({ passenger: 1, seat: "40K" }),
  new InvalidStatusChange({ field: "departureAt", reason: "must be after the scheduled departure" }),
  new HoldLimitReached({ retryAfterMillis: 90_500 }),
  new HoldLimitReached({ retryAfterMillis: 20 }),
  new GatewayUnavailable(),
  new Idempotent.IdempotencyKeyReused({ key: "k-1" }),
  new Idempotent.RequestInProgress({ key: "k-1" }),
  new BookingStoreError({ operation: "hold", reason: "connection refused" }),
  new BookingStoreError({ operation: "read", reason: "stored booking is invalid", transient: false }),
]

const wire = async (problem: Problem.Problem) => {
  const response = Problem.toResponse(problem, "/api/bookings")
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.json() }
}

describe("Problems", () => {
  test("of answers the problem+json the switch answered, status, headers and body alike", async () => {
    for (const error of sample) expect(await wire(problems.of(error))).toEqual(await wire(switched(error)))
    expect((await wire(problems.of(new HoldLimitReached({ retryAfterMillis: 90_500 })))).headers["retry-after"]).toBe("91")
    expect((await wire(problems.of(new Idempotent.RequestInProgress({ key: "k" })))).headers["retry-after"]).toBe("1")
  })

  test("a selection's answer maps the failures it names, and lets a Problem pass as it is", async () => {
    const creating = problems.for("FlightNotFound", "SeatsUnavailable", "HoldLimitReached", "BookingStoreError")
    for (const error of [new SeatsUnavailable({ seats: ["1A"] }), new HoldLimitReached({ retryAfterMillis: 5000 })]) {
      const exit = await Effect.runPromiseExit(creating.answer(Effect.fail(error)))
      expect(exit).toEqual(Exit.fail(switched(error)))
    }
    const own = Problem.badRequest("no")
    expect(await Effect.runPromiseExit(creating.answer(Effect.fail(own)))).toEqual(Exit.fail(own))
    expect(await Effect.runPromise(creating.answer(Effect.succeed(7)))).toBe(7)
  })

  test("a selection's statuses are its rules' statuses, sorted, each once", () => {
    expect(problems.for("BookingStoreError", "SeatsUnavailable", "FlightNotFound", "BookingNotFound", "RequestInProgress").statuses)
      .toEqual([404, 409, 503])
    expect(problems.for("HoldLimitReached", "IdempotencyKeyReused", "SeatNotInCabin").statuses).toEqual([400, 422, 429])
    expect(problems.for().statuses).toEqual([])
  })

  test("a store error is a 503 with Retry-After 1 while transient, otherwise the plain 500", () => {
    const transient = problems.of(new BookingStoreError({ operation: "hold", reason: "timeout" }))
    expect([transient.status, transient.detail, transient.headers]).toEqual([503, "The booking store is unavailable", { "retry-after": "1" }])
    expect(problems.of(new BookingStoreError({ operation: "read", reason: "bad", transient: false }))).toEqual(Problem.internal())
  })

  test("the handler of a route may fail only with the tags the route names", () => {
    const getting = problems.for("FlightNotFound", "BookingStoreError")
    const lookup = (found: boolean): Effect.Effect<string, FlightNotFound | BookingStoreError> =>
      found ? Effect.succeed("f-1") : Effect.fail(new FlightNotFound({ flightId: "f-1" }))
    const named: Effect.Effect<string, Problem.Problem> = getting.answer(lookup(true))
    const holding: Effect.Effect<string, SeatsUnavailable | FlightNotFound> = Effect.fail(new SeatsUnavailable({ seats: ["1A"] }))
    // @ts-expect-error: SeatsUnavailable is not among the route's failures
    const unnamed = getting.answer(holding)
    expect([named, unnamed].every(Effect.isEffect)).toBe(true)
  })

  test("a table has a rule for each tag of its union, no more and no fewer, and a route names only those tags", () => {
    // @ts-expect-error: no rule for SeatsUnavailable
    Problems.make<FlightNotFound | SeatsUnavailable>({ FlightNotFound: Problems.notFound("flight-not-found") })
    Problems.make<FlightNotFound>({
      FlightNotFound: Problems.notFound("flight-not-found"),
      // @ts-expect-error: BookingNotFound is not a failure of the union
      BookingNotFound: Problems.notFound("booking-not-found"),
    })
    // @ts-expect-error: without the union there is nothing to declare
    Problems.make({ FlightNotFound: Problems.notFound("flight-not-found") })
    // @ts-expect-error: not a tag of the table
    expect(() => problems.for("FlightNotFound", "PaymentNotFound")).toThrow("no rule for PaymentNotFound")
  })

  test("a custom rule declares its status; a problem of another status is refused loudly", () => {
    const gone = Problems.custom(410, (error: BookingNotFound) => Problem.make({ status: 410, type: "booking-gone", detail: error.id }))
    expect(gone.statuses).toEqual([410])
    expect(gone.problem(new BookingNotFound({ id: "b-1" })).type).toBe("booking-gone")
    const wrong = Problems.custom(410, () => Problem.notFound("booking-not-found", "x"))
    expect(() => wrong.problem(new BookingNotFound({ id: "b-1" }))).toThrow("booking-not-found has status 404, the rule declares 410")
  })
})
