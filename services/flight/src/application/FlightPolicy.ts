/**
 * Who may do what with flights (DESIGN §10), as values and pure functions of the caller: the routes
 * declare these accesses and the HTTP bridge admits callers by them before any input is read.
 * Searching and reading flights is open to anyone.
 */
import { Policy, type Principal } from "@flight/auth"

/**
 * Scheduling flights, changing their status and listing a day's departures whatever their status
 * is the operations staff's work (ops, admin).
 */
export const operations = Policy.roles("ops", "admin")

/** Whether `principal` may schedule a flight (`POST /api/flights`). */
export const canSchedule = (principal: Principal.Principal): boolean => Policy.permits(operations, principal)

/** Whether `principal` may change a flight's status (`PATCH /api/flights/{id}/status`). */
export const canChangeStatus = (principal: Principal.Principal): boolean => Policy.permits(operations, principal)

/** Whether `principal` may list a day's departures, cancelled and full ones too (`GET /api/flights/departures`). */
export const canListDepartures = (principal: Principal.Principal): boolean => Policy.permits(operations, principal)
