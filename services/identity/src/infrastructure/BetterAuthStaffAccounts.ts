/**
 * The staff accounts port on better-auth: an account is created through better-auth's own sign-up
 * (so its password is hashed by better-auth's KDF, as any other), then given its roles on the server
 * side, where no client can reach. Found by email first, so a restart changes nothing, and a sign-up
 * another instance won at the same moment counts as found.
 */
import { Effect, Layer, Redacted } from "effect"
import { AccountStoreError, rolesOf, type Seeded, StaffAccounts, type StaffSeed } from "../domain/Account.ts"
import { type Auth, IdentityAuth } from "./BetterAuth.ts"

const names = { ops: "Operations", admin: "Administrator" } as const

const attempt = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => new AccountStoreError({ operation, reason: cause instanceof Error ? cause.message : String(cause) }),
  })

const sameRoles = (left: ReadonlyArray<string>, right: ReadonlyArray<string>) =>
  left.length === right.length && left.every((role) => right.includes(role))

const ensure = (auth: Auth) => (seed: StaffSeed) =>
  Effect.gen(function* () {
    const context = yield* Effect.promise(() => auth.$context)
    const find = attempt(`find ${seed.email}`, () => context.internalAdapter.findUserByEmail(seed.email))
    let found = yield* find
    let created = false
    if (found === null) {
      const signUp = attempt(`create ${seed.email}`, () =>
        auth.api.signUpEmail({ body: { email: seed.email, password: Redacted.value(seed.password), name: names[seed.role] } }))
      // Another instance may have created it meanwhile: then it is found now, and not created here.
      created = yield* signUp.pipe(
        Effect.as(true),
        Effect.catchAll((error) => Effect.flatMap(find, (user) => user === null ? Effect.fail(error) : Effect.succeed(false))),
      )
      found = yield* find
      if (found === null) return yield* Effect.fail(new AccountStoreError({ operation: `create ${seed.email}`, reason: "not found once created" }))
    }
    const user = found.user as { readonly id: string; readonly roles?: ReadonlyArray<string> | null; readonly kind?: string | null }
    const roles = rolesOf(seed.role)
    if (sameRoles(user.roles ?? [], roles) && user.kind === "staff") return created ? "created" : "unchanged"
    yield* attempt(`give ${seed.email} its roles`, () => context.internalAdapter.updateUser(user.id, { roles: [...roles], kind: "staff" }))
    return (created ? "created" : "roles-updated") satisfies Seeded
  }).pipe(Effect.withSpan("StaffAccounts.ensure", { attributes: { role: seed.role } }))

export const layer: Layer.Layer<StaffAccounts, never, IdentityAuth> = Layer.effect(
  StaffAccounts,
  Effect.map(IdentityAuth, ({ auth }) => ({ ensure: ensure(auth) })),
)
