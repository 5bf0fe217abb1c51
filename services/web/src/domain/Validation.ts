/**
 * The small vocabulary every form's rules are written in: a field's raw text in, its value or a
 * sentence for the person out. Rules come from the system's own value Schemas (`@flight/contracts`),
 * so a form refuses exactly what the API would, before the API is asked.
 */
import { BookingReference, Email, FlightNumber, IataCode, PersonName, Phone, StatusReason } from "@flight/contracts"
import { Schema } from "effect"

/** A form's answer: its value, or a message per offending field (named as in the form). */
export type Checked<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> }

/** What a form posted or a query carried: each field's text (the last one, or all of them). */
export type Fields = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

export const text = (fields: Fields, name: string): string => {
  const value = fields[name]
  return (typeof value === "string" ? value : value?.[value.length - 1] ?? "").trim()
}

export const all = (fields: Fields, name: string): ReadonlyArray<string> => {
  const value = fields[name]
  return (value === undefined ? [] : typeof value === "string" ? [value] : value).map((item) => item.trim()).filter((item) => item !== "")
}

/** Collects errors while a form's fields are read. */
export class Errors {
  readonly found: Record<string, string> = {}
  add(field: string, message: string): void {
    this.found[field] ??= message
  }
  get any(): boolean {
    return Object.keys(this.found).length > 0
  }
  result<A>(value: () => A): Checked<A> {
    return this.any ? { ok: false, errors: { ...this.found } } : { ok: true, value: value() }
  }
}

const is = <A, I>(schema: Schema.Schema<A, I>) => Schema.is(schema as Schema.Schema<A, I, never>)
const isIata = is(IataCode)
const isName = is(PersonName)
const isEmail = is(Email)
const isPhone = is(Phone)
const isReference = is(BookingReference)
const isFlightNumber = is(FlightNumber)
const isReason = is(StatusReason)

export const Cabins = ["economy", "premium", "business", "first"] as const
export type Cabin = (typeof Cabins)[number]

export const airport = (errors: Errors, field: string, raw: string): string => {
  const code = raw.toUpperCase()
  if (raw === "") errors.add(field, "Enter an airport code, e.g. LHR")
  else if (!isIata(code)) errors.add(field, "Enter a three-letter airport code, e.g. LHR")
  return code
}

export const personName = (errors: Errors, field: string, raw: string, what: string): string => {
  if (raw === "") errors.add(field, `Enter ${what}`)
  else if (!isName(raw)) errors.add(field, `Enter ${what} in at most 100 ordinary characters`)
  return raw
}

export const email = (errors: Errors, field: string, raw: string): string => {
  if (raw === "") errors.add(field, "Enter an email address")
  else if (!isEmail(raw)) errors.add(field, "Enter an email address like name@example.com")
  return raw
}

export const phone = (errors: Errors, field: string, raw: string): string | undefined => {
  const compact = raw.replace(/[\s()-]/g, "")
  if (compact === "") return undefined
  if (!isPhone(compact)) errors.add(field, "Enter the phone number with its country code, e.g. +447700900123, or leave it empty")
  return compact
}

/** A booking's id as the booking service makes them (a lower-case UUID): a path that names anything else names no booking. */
export const isBookingId = (raw: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(raw)

export const reference = (errors: Errors, field: string, raw: string): string => {
  const code = raw.toUpperCase().replace(/\s/g, "")
  if (code === "") errors.add(field, "Enter the booking reference")
  else if (!isReference(code)) errors.add(field, "A booking reference is six letters and digits, e.g. X7K2QP")
  return code
}

export const flightNumber = (errors: Errors, field: string, raw: string): string => {
  const number = raw.toUpperCase().replace(/\s/g, "")
  if (!isFlightNumber(number)) errors.add(field, "Enter a flight number: the airline's two characters and 1 to 4 digits, e.g. BA117")
  return number
}

export const reason = (errors: Errors, field: string, raw: string): string | undefined => {
  if (raw === "") return undefined
  if (!isReason(raw)) errors.add(field, "Enter the reason in at most 500 ordinary characters, on one line")
  return raw
}

export const cabin = (errors: Errors, field: string, raw: string): Cabin => {
  const value = raw === "" ? "economy" : raw
  if (!(Cabins as ReadonlyArray<string>).includes(value)) errors.add(field, "Choose economy, premium, business or first")
  return value as Cabin
}

export const wholeNumber = (errors: Errors, field: string, raw: string, min: number, max: number, what: string): number => {
  const value = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(value >= min && value <= max)) errors.add(field, `Enter ${what} from ${min} to ${max}`)
  return value
}

/** A calendar day, `YYYY-MM-DD`, that exists. */
export const day = (errors: Errors, field: string, raw: string): string => {
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) &&
    new Date(`${raw}T00:00:00Z`).toISOString().startsWith(raw)
  if (!valid) errors.add(field, "Enter a date as YYYY-MM-DD, e.g. 2026-12-01")
  return raw
}

/** A date and time in UTC from a `datetime-local` field (`YYYY-MM-DDTHH:MM`), as ISO 8601. */
export const utcTime = (errors: Errors, field: string, raw: string): string => {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?Z?$/.exec(raw)
  const iso = match === null ? "" : `${match[1]}T${match[2]}${match[3] ?? ":00"}Z`
  const time = Date.parse(iso)
  if (match === null || Number.isNaN(time) || !new Date(time).toISOString().startsWith(iso.slice(0, 16))) {
    errors.add(field, "Enter a date and time in UTC, e.g. 2026-12-01 10:00")
    return raw
  }
  return new Date(time).toISOString().replace(".000Z", "Z")
}

/** An amount in major units (`450` or `450.00`) as integer minor units. */
export const money = (errors: Errors, field: string, raw: string): number => {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(raw.replace(/,/g, ""))
  if (match === null) {
    errors.add(field, "Enter an amount, e.g. 450.00")
    return Number.NaN
  }
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"))
}
