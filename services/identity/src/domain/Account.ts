/**
 * What an account is made of, and the rules its inputs obey: the roles and kinds of DESIGN §10,
 * the staff seeded from configuration, and the limits on names, emails and passwords. No I/O.
 */
import { Email as ContractEmail, FreeText } from "@flight/contracts"
import { StoreError } from "@flight/runtime"
import { Context, type Effect, Option, type Redacted, Schema } from "effect"

export const Role = Schema.Literal("customer", "ops", "admin").annotations({ identifier: "Role" })
export type Role = typeof Role.Type

export const Kind = Schema.Literal("customer", "staff").annotations({ identifier: "Kind" })
export type Kind = typeof Kind.Type

/** Every sign-up is a customer; only seeding makes staff. */
export const customerRoles: ReadonlyArray<Role> = ["customer"]

/** The staff accounts seeded at start. */
export const StaffRole = Schema.Literal("ops", "admin")
export type StaffRole = typeof StaffRole.Type

/**
 * The roles a seeded account carries. Admin implies ops (DESIGN §10: "ops, plus dead letters and
 * metrics"), and the token says so itself, so a service that only asks for `ops` lets an admin in.
 */
export const rolesOf = (role: StaffRole): ReadonlyArray<Role> => role === "admin" ? ["ops", "admin"] : ["ops"]

export const maxNameLength = 200
/** RFC 5321's limit on a forward path. */
export const maxEmailLength = 254
export const minPasswordLength = 12
export const maxPasswordLength = 128

/** Free text as everywhere in the system (decision 13): no controls, line separators, bidi overrides or lone surrogates. */
export const Name = Schema.String.pipe(
  FreeText.filter,
  Schema.filter((text) => text.trim() !== "" || "must not be blank"),
  Schema.maxLength(maxNameLength),
).annotations({ identifier: "Name", description: `A display name, at most ${maxNameLength} characters` })

/** The contracts' email: at most 254 characters, free text; accounts are found by it whatever its case. */
export const Email = ContractEmail

/** Its length is checked again by better-auth (PASSWORD_TOO_SHORT / PASSWORD_TOO_LONG). */
export const Password = Schema.String.pipe(Schema.maxLength(maxPasswordLength)).annotations({
  identifier: "Password",
  description: `${minPasswordLength} to ${maxPasswordLength} characters, not a common password`,
})

/** Passwords every list of breached passwords starts with (compared in lower case). */
const common = new Set([
  "password", "password1", "password12", "password123", "password1234", "passwordpassword", "123456789012",
  "1234567890123", "qwertyuiop12", "qwertyuiopasdf", "changeme1234", "changemenow!", "letmein12345", "welcome12345",
  "administrator", "admin1234567", "adminadmin12", "iloveyou1234", "trustno1trustno1", "correcthorsebatterystaple",
  "correct horse battery staple", "flightbooking", "flight-booking",
])

/** Why a password is too weak to use, if it is. */
export const weakness = (password: string): Option.Option<string> => {
  if (password.length < minPasswordLength) return Option.some(`is shorter than ${minPasswordLength} characters`)
  if (password.length > maxPasswordLength) return Option.some(`is longer than ${maxPasswordLength} characters`)
  if (common.has(password.toLowerCase())) return Option.some("is a common password")
  if (new Set(password).size < 4) return Option.some("has fewer than 4 different characters")
  return Option.none()
}

/** A member of staff to create at start, from `SEED_<ROLE>_EMAIL` / `SEED_<ROLE>_PASSWORD`. */
export interface StaffSeed {
  readonly role: StaffRole
  readonly email: string
  readonly password: Redacted.Redacted<string>
  /** The documented development default rather than a configured value (then it is printed at start). */
  readonly isDefault: boolean
}

/** What seeding did to one account. */
export type Seeded = "created" | "roles-updated" | "password-changed" | "unchanged"

/** The accounts port the seeding asks: infrastructure provides it on better-auth. */
export class StaffAccounts extends Context.Tag("identity/StaffAccounts")<StaffAccounts, {
  /**
   * The account of `seed.email` exists, with the seed's roles, kind staff and the seed's password
   * (a changed password ends the account's sessions). An account of that email that seeding did
   * not make (a customer's) is never made staff: that is a `SeedEmailTaken`.
   */
  readonly ensure: (seed: StaffSeed) => Effect.Effect<Seeded, AccountStoreError | SeedEmailTaken>
}>() {}

/** The accounts' store (better-auth's) failed: `account store, <operation>: <reason>`. */
export class AccountStoreError extends StoreError.Tagged("AccountStoreError", "account") {}

/** The variable a staff account's email is configured by. */
export const emailVariable = (role: StaffRole) => `SEED_${role.toUpperCase()}_EMAIL`

/**
 * The email of a seed is already a customer's: anyone may sign up with any email (there is no
 * verification), so making that account staff would hand staff to whoever knows its password.
 */
export class SeedEmailTaken extends Schema.TaggedError<SeedEmailTaken>()("SeedEmailTaken", {
  variable: Schema.String,
  email: Schema.String,
}) {
  override get message(): string {
    return `${this.variable}: an account with this email (${this.email}) exists and was not made by seeding; ` +
      "configure another email, or remove that account"
  }
}
