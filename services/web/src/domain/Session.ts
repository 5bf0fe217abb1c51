/**
 * A visitor's server-side session (DESIGN §10: tokens stay on the server). The browser holds only
 * the session's random id, in an httpOnly cookie; the session holds the CSRF token of its forms, the
 * signed-in account's tokens, and the guest tokens of the bookings the visitor made or managed.
 */
import { Context, type Effect, type Option } from "effect"

/** A signed-in account: better-auth's session token, the access token it buys, and who it is. */
export interface Account {
  readonly sessionToken: string
  readonly accessToken: string
  /** Epoch milliseconds at which the access token expires. */
  readonly accessExpiresAt: number
  readonly sub: string
  readonly email: string
  readonly name: string
  readonly roles: ReadonlyArray<string>
}

/** A booking the visitor holds without an account: its guest token (decision 17). */
export interface GuestBooking {
  readonly reference: string
  readonly token: string
}

export interface Session {
  readonly id: string
  readonly csrf: string
  readonly account: Account | null
  readonly guests: Readonly<Record<string, GuestBooking>>
  /** A one-shot message shown on the next page (after a redirect). */
  readonly flash: Flash | null
}

export interface Flash {
  readonly kind: "info" | "error"
  readonly text: string
}

const randomToken = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")

/** A new, empty session with ids no one can guess. */
export const fresh = (): Session => ({ id: randomToken(), csrf: randomToken(), account: null, guests: {}, flash: null })

/**
 * The same session under a new id and CSRF token, as on signing in or out: an id planted in the
 * browser before (session fixation) is worthless afterwards. The guest bookings stay.
 */
export const rotate = (session: Session, account: Account | null): Session => ({
  ...fresh(),
  account,
  guests: session.guests,
})

export const withGuest = (session: Session, bookingId: string, guest: GuestBooking): Session => ({
  ...session,
  guests: { ...session.guests, [bookingId]: guest },
})

export const withoutGuest = (session: Session, bookingId: string): Session => {
  const { [bookingId]: _, ...guests } = session.guests
  return { ...session, guests }
}

export const withFlash = (session: Session, flash: Flash | null): Session => ({ ...session, flash })

/** Constant-time comparison of a form's CSRF token with the session's. */
export const csrfMatches = (session: Session, sent: unknown): boolean => {
  if (typeof sent !== "string" || sent.length !== session.csrf.length) return false
  let difference = 0
  for (let index = 0; index < sent.length; index++) difference |= sent.charCodeAt(index) ^ session.csrf.charCodeAt(index)
  return difference === 0
}

/** Where sessions live: the process's memory, or Redis shared by every instance. */
export class SessionStore extends Context.Tag("web/SessionStore")<SessionStore, {
  readonly name: string
  readonly get: (id: string) => Effect.Effect<Option.Option<Session>>
  readonly save: (session: Session) => Effect.Effect<void>
  readonly remove: (id: string) => Effect.Effect<void>
  readonly check: Effect.Effect<void, Error>
}>() {}
