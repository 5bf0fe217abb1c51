import { Effect } from "effect"
import type { Principal } from "../src/Principal.ts"
import type { InvalidToken, KeysUnavailable, Reason } from "../src/VerificationError.ts"

interface Verifier {
  readonly verify: (token: string) => Effect.Effect<Principal, InvalidToken | KeysUnavailable>
}

/** The reason `token` is refused; fails the test when it is accepted or the keys are unavailable. */
export const refusal = (verifier: Verifier, token: string): Effect.Effect<Reason, string> =>
  verifier.verify(token).pipe(
    Effect.flip,
    Effect.mapError((principal) => `accepted as ${JSON.stringify(principal)}`),
    Effect.flatMap((error) =>
      error._tag === "InvalidToken" ? Effect.succeed(error.reason) : Effect.fail(`keys unavailable: ${error.detail}`)
    ),
  )

export const bookingId = "01890a5d-ac96-774b-bcce-b302099a8057"
