/**
 * The running system as the flows reach it: a small JSON client per service at its URL, the seeded
 * ops account signed in through the identity service, and new customer accounts signed up there.
 */
import { Effect } from "effect"
import * as CustomerSession from "./CustomerSession.ts"
import * as StaffSession from "./StaffSession.ts"

export type Json = Record<string, any>

export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Effect.Effect<{
  readonly status: number
  readonly body: Json
}>

export interface Api {
  readonly flight: Call
  readonly booking: Call
  readonly payment: Call
  readonly notification: Call
  /** The `Authorization` header of the seeded ops account, signed in through the identity service. */
  readonly ops: Effect.Effect<Record<string, string>>
  /** A new customer account, signed up through the identity service, and its `Authorization` header. */
  readonly customer: Effect.Effect<{ readonly email: string; readonly headers: Effect.Effect<Record<string, string>> }>
  readonly urls: Urls
}

export interface Urls {
  readonly FLIGHT_URL: string
  readonly BOOKING_URL: string
  readonly PAYMENT_URL: string
  readonly NOTIFICATION_URL: string
  readonly IDENTITY_URL: string
}

/** A small JSON client per service, and the ops account signed in where the rules ask for it. */
export const apiOf = (urls: Urls): Api => {
  const session = StaffSession.signIn(urls.IDENTITY_URL)
  const call = (base: string): Call => (method, path, body, headers = {}) =>
    Effect.promise(async () => {
      const response = await fetch(new URL(path, base), {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: (await response.json()) as Json }
    })
  return {
    flight: call(urls.FLIGHT_URL),
    booking: call(urls.BOOKING_URL),
    payment: call(urls.PAYMENT_URL),
    notification: call(urls.NOTIFICATION_URL),
    ops: Effect.promise(() => session.authorization()).pipe(Effect.map((authorization) => ({ authorization }))),
    customer: Effect.promise(() => CustomerSession.signUp(urls.IDENTITY_URL)).pipe(Effect.map((customer) => ({
      email: customer.email,
      headers: Effect.promise(() => customer.authorization()).pipe(Effect.map((authorization) => ({ authorization }))),
    }))),
    urls,
  }
}
