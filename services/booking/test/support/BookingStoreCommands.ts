/** The commands `BookingModel.test.ts` draws at random: holds, confirmations, cancellations and expiries. */
import { FastCheck } from "effect"
import { capacity } from "./BookingStoreModel.ts"

/** A passenger's seat: any free one, a named seat of the cabin, or a named seat taken at that point (if any). */
export type SeatPick =
  | { readonly kind: "any" }
  | { readonly kind: "seat"; readonly index: number }
  | { readonly kind: "taken"; readonly index: number }

/** When a confirmation or expiry comes: on the clock, or (if later) just before, at or just after the booking's hold expiry. */
export type At = "clock" | "justBeforeExpiry" | "atExpiry" | "justAfterExpiry"

/** `target` picks one of the holds tried so far (modulo their number), failed ones included. */
export type Command =
  /** `holders`: indexes into the run's holders (two emails, two addresses), none to several. */
  | { readonly _tag: "Hold"; readonly party: ReadonlyArray<SeatPick>; readonly ttl: "15 minutes" | "1 millis"; readonly holders: ReadonlyArray<number> }
  | { readonly _tag: "Confirm"; readonly target: number; readonly payment: "same" | "new"; readonly at: At }
  | { readonly _tag: "Cancel"; readonly target: number }
  | { readonly _tag: "Expire"; readonly target: number; readonly at: At }

const seatPick: FastCheck.Arbitrary<SeatPick> = FastCheck.oneof(
  { arbitrary: FastCheck.constant({ kind: "any" as const }), weight: 8 },
  { arbitrary: FastCheck.record({ kind: FastCheck.constant("seat" as const), index: FastCheck.nat({ max: capacity - 1 }) }), weight: 1 },
  { arbitrary: FastCheck.record({ kind: FastCheck.constant("taken" as const), index: FastCheck.nat({ max: 99 }) }), weight: 1 },
)

const at: FastCheck.Arbitrary<At> = FastCheck.oneof(
  { arbitrary: FastCheck.constant("clock" as const), weight: 3 },
  { arbitrary: FastCheck.constantFrom("justBeforeExpiry" as const, "atExpiry" as const, "justAfterExpiry" as const), weight: 2 },
)

const target = FastCheck.nat({ max: 59 })

const command: FastCheck.Arbitrary<Command> = FastCheck.oneof(
  {
    arbitrary: FastCheck.record({
      _tag: FastCheck.constant("Hold" as const),
      party: FastCheck.array(seatPick, { minLength: 1, maxLength: 4 }),
      ttl: FastCheck.oneof(
        { arbitrary: FastCheck.constant("15 minutes" as const), weight: 3 },
        { arbitrary: FastCheck.constant("1 millis" as const), weight: 1 },
      ),
      holders: FastCheck.subarray([0, 1, 2, 3]),
    }),
    weight: 5,
  },
  {
    arbitrary: FastCheck.record({
      _tag: FastCheck.constant("Confirm" as const),
      target,
      payment: FastCheck.oneof(
        { arbitrary: FastCheck.constant("same" as const), weight: 3 },
        { arbitrary: FastCheck.constant("new" as const), weight: 1 },
      ),
      at,
    }),
    weight: 3,
  },
  { arbitrary: FastCheck.record({ _tag: FastCheck.constant("Cancel" as const), target }), weight: 1 },
  { arbitrary: FastCheck.record({ _tag: FastCheck.constant("Expire" as const), target, at }), weight: 2 },
)

/** Up to 60 steps (`size: "max"`: the default size would keep the sequences to a few steps). */
export const commands = FastCheck.array(command, { minLength: 1, maxLength: 60, size: "max" })
