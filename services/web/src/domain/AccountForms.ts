/** Signing up and in: the forms' rules, pure (the identity service checks again). */
import * as V from "./Validation.ts"

export interface SignUp {
  readonly name: string
  readonly email: string
  readonly password: string
}

export const signUp = (fields: V.Fields): V.Checked<SignUp> => {
  const errors = new V.Errors()
  const name = V.personName(errors, "name", V.text(fields, "name"), "your name")
  const email = V.email(errors, "email", V.text(fields, "email"))
  const password = typeof fields["password"] === "string" ? fields["password"] : ""
  if (password.length < 12) errors.add("password", "Choose a password of at least 12 characters")
  else if (password.length > 128) errors.add("password", "Choose a password of at most 128 characters")
  return errors.result(() => ({ name, email, password }))
}

export interface SignIn {
  readonly email: string
  readonly password: string
}

export const signIn = (fields: V.Fields): V.Checked<SignIn> => {
  const errors = new V.Errors()
  const email = V.email(errors, "email", V.text(fields, "email"))
  const password = typeof fields["password"] === "string" ? fields["password"] : ""
  if (password === "") errors.add("password", "Enter your password")
  return errors.result(() => ({ email, password }))
}

/** Where to go after signing in: a path of this site only, never another origin (none when it is not one). */
export const nextPath = (raw: unknown): string | undefined =>
  typeof raw === "string" && /^\/(?![/\\])[A-Za-z0-9/_?=&.-]{0,200}$/.test(raw) ? raw : undefined
