/**
 * The staff accounts port on better-auth: an account is created through better-auth's own sign-up
 * (so its password is hashed by better-auth's KDF, as any other), then given its roles on the server
 * side, where no client can reach. Found by email first, so a restart changes nothing, and a sign-up
 * another instance won at the same moment counts as found. An account found that is not staff is
 * a customer's (anyone may sign up with any email): it is refused, never promoted. A staff account
 * found whose password is not the configured one gets the configured one, and its sessions end.
 */
import { Spans, StoreError } from "@flight/runtime"
import { Clock, Effect, Layer, Redacted } from "effect"
import { AccountStoreError, emailVariable, rolesOf, SeedEmailTaken, type Seeded, StaffAccounts, type StaffSeed } from "../domain/Account.ts"
import { type Auth, IdentityAuth } from "./BetterAuth.ts"

const names = { ops: "Operations", admin: "Administrator" } as const

const attempt = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => new AccountStoreError({ operation, reason: StoreError.reasonOf(cause) }),
  })

const sameRoles = (left: ReadonlyArray<string>, right: ReadonlyArray<string>) =>
  left.length === right.length && left.every((role) => right.includes(role))

type Context = Awaited<Auth["$context"]>

/** Whether the account of `userId` has the seed's password. */
const hasPassword = (context: Context, userId: string, seed: StaffSeed) =>
  Effect.gen(function* () {
    const credential = yield* attempt(`find the password of ${seed.email}`, () => context.internalAdapter.findCredentialAccount(userId))
    const hash = credential?.password
    if (typeof hash !== "string") return { credential, matches: false }
    const matches = yield* attempt(`check the password of ${seed.email}`, () =>
      context.password.verify({ hash, password: Redacted.value(seed.password) }))
    return { credential, matches }
  })

/** The configured password on the account of `userId`: true when it was another, whose sessions are then ended. */
const setPassword = (context: Context, userId: string, seed: StaffSeed) =>
  Effect.gen(function* () {
    const { credential, matches } = yield* hasPassword(context, userId, seed)
    if (matches) return false
    const hash = yield* attempt(`hash the password of ${seed.email}`, () => context.password.hash(Redacted.value(seed.password)))
    yield* attempt(`set the password of ${seed.email}`, async () => {
      if (credential === null) await context.internalAdapter.linkAccount({ userId, providerId: "credential", accountId: userId, password: hash })
      else await context.internalAdapter.updatePassword(userId, hash)
    })
    yield* attempt(`end the sessions of ${seed.email}`, () => context.internalAdapter.deleteUserSessions(userId))
    return true
  })

/**
 * Whether the account that appeared while this instance was seeding is another instance's seed: it
 * has (or gets within about 2 s) the configured password. Its sign-up writes the user first and the
 * password a moment later, so a look in between sees no password yet.
 */
const madeByAnotherSeed = (context: Context, userId: string, seed: StaffSeed, looks = 40): Effect.Effect<boolean, AccountStoreError> =>
  Effect.flatMap(hasPassword(context, userId, seed), ({ matches }) =>
    matches || looks <= 1
      ? Effect.succeed(matches)
      : Effect.zipRight(Effect.sleep("50 millis"), madeByAnotherSeed(context, userId, seed, looks - 1)))

/**
 * How recently an account not yet staff may have been made by another instance seeding at the same
 * moment: its sign-up writes the account, and its roles follow a moment later, so an instance that
 * looks in between finds a customer's account made just now.
 */
const seedInProgressWithin = 10_000

const madeJustNow = (user: { readonly createdAt?: Date | string | null }, now: number) =>
  user.createdAt !== undefined && user.createdAt !== null && now - new Date(user.createdAt).getTime() < seedInProgressWithin

const ensure = (auth: Auth) => (seed: StaffSeed) =>
  Effect.gen(function* () {
    const context = yield* Effect.promise(() => auth.$context)
    const find = attempt(`find ${seed.email}`, () => context.internalAdapter.findUserByEmail(seed.email))
    let found = yield* find
    let created = false
    const absent = found === null
    if (found === null) {
      const signUp = attempt(`create ${seed.email}`, () =>
        auth.api.signUpEmail({ body: { email: seed.email, password: Redacted.value(seed.password), name: names[seed.role] } }))
      // Another instance may have created it meanwhile: then it is found now, and not created here.
      created = yield* signUp.pipe(
        Effect.as(true),
        Effect.catchAll((error) => Effect.flatMap(find, (user) => user === null ? Effect.fail(error) : Effect.succeed(false))),
      )
      found = yield* find
      // An answer that cannot be: asking again changes nothing.
      if (found === null) {
        return yield* Effect.fail(new AccountStoreError({ operation: `create ${seed.email}`, reason: "not found once created", transient: false }))
      }
    }
    const user = found.user as {
      readonly id: string
      readonly roles?: ReadonlyArray<string> | null
      readonly kind?: string | null
      readonly createdAt?: Date | string | null
    }
    const roles = rolesOf(seed.role)
    // Only an account seeding made is staff; one made just now is a customer until its roles are given:
    // here, or by another instance that won the sign-up (then it has the configured password), whether
    // this one tried the sign-up too or found the account between the other's sign-up and its roles.
    if (!created && user.kind !== "staff") {
      const mayBeAnotherSeed = absent || madeJustNow(user, yield* Clock.currentTimeMillis)
      const anotherInstance = mayBeAnotherSeed && (yield* madeByAnotherSeed(context, user.id, seed))
      if (!anotherInstance) return yield* Effect.fail(new SeedEmailTaken({ variable: emailVariable(seed.role), email: seed.email }))
    }
    const passwordChanged = created ? false : yield* setPassword(context, user.id, seed)
    if (sameRoles(user.roles ?? [], roles) && user.kind === "staff") {
      return created ? "created" : passwordChanged ? "password-changed" : "unchanged"
    }
    yield* attempt(`give ${seed.email} its roles`, () => context.internalAdapter.updateUser(user.id, { roles: [...roles], kind: "staff" }))
    return (created ? "created" : passwordChanged ? "password-changed" : "roles-updated") satisfies Seeded
  }).pipe(Spans.within("StaffAccounts.ensure", { attributes: { role: seed.role } }))

export const layer: Layer.Layer<StaffAccounts, never, IdentityAuth> = Layer.effect(
  StaffAccounts,
  Effect.map(IdentityAuth, ({ auth }) => ({ ensure: ensure(auth) })),
)
