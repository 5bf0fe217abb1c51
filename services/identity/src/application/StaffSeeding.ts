/**
 * The staff accounts of the configuration, made sure of at every start: created once, given their
 * roles and the configured password, and said in the log (never a configured password). A documented development default is printed with its password, so
 * whoever starts the embedded mode can sign in; a configured password never is.
 */
import { Spans } from "@flight/runtime"
import { Effect, Redacted } from "effect"
import { rolesOf, StaffAccounts, type StaffSeed } from "../domain/Account.ts"

export const seed = Spans.fn("StaffSeeding.seed")(function* (seeds: ReadonlyArray<StaffSeed>) {
  const accounts = yield* StaffAccounts
  for (const staff of seeds) {
    const outcome = yield* accounts.ensure(staff)
    const roles = rolesOf(staff.role).join(", ")
    const password = staff.isDefault ? `, development password: ${Redacted.value(staff.password)}` : ""
    yield* Effect.logInfo(`Staff account ${staff.email} (roles ${roles}): ${outcome}${password}`).pipe(
      Effect.annotateLogs({ email: staff.email, role: staff.role, outcome, defaultAccount: staff.isDefault }),
    )
  }
})
