/**
 * Who may open the operations console (DESIGN §10, `/ops`): pure functions of the signed-in account.
 * The services decide again on every call; this only chooses the page a visitor sees.
 */
import type { Account } from "../domain/Session.ts"

export type Decision = "granted" | "sign-in" | "forbidden"

/** Flights, bookings and status changes: ops and admin. An anonymous visitor is sent to sign in. */
export const console = (account: Account | null): Decision =>
  account === null ? "sign-in" : account.roles.includes("ops") || account.roles.includes("admin") ? "granted" : "forbidden"

/** The services' readiness: admin only. */
export const operations = (account: Account | null): Decision =>
  account === null ? "sign-in" : account.roles.includes("admin") ? "granted" : "forbidden"

export const isStaff = (account: Account | null): boolean => console(account) === "granted"
