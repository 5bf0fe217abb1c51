/**
 * One template per cause a customer hears about: subject and body, as text and as HTML for email,
 * rendered from the data of the event (or of a `notification.send` command). Each template names
 * the fields it needs; data missing one is refused before anything is sent. Values are escaped in
 * the HTML.
 */
import { FreeText } from "@flight/contracts"
import { Either, Schema } from "effect"

export type TemplateData = Readonly<Record<string, string | number | boolean | null>>

export interface Rendered {
  readonly subject: string
  readonly text: string
  readonly html: string
}

interface Template {
  readonly fields: ReadonlyArray<string>
  readonly subject: (data: TemplateData) => string
  /** Paragraphs of the body. */
  readonly body: (data: TemplateData) => ReadonlyArray<string>
}

const value = (data: TemplateData, field: string) => String(data[field] ?? "")

const templates = {
  "booking-received": {
    fields: ["reference", "seats", "total", "holdExpiresAt"],
    subject: (data) => `Booking ${value(data, "reference")} received`,
    body: (data) => [
      `We are holding seats ${value(data, "seats")} for your booking ${value(data, "reference")}.`,
      `Please pay ${value(data, "total")} before ${value(data, "holdExpiresAt")}, or the seats are released.`,
    ],
  },
  "booking-confirmed": {
    fields: ["reference", "seats"],
    subject: (data) => `Booking ${value(data, "reference")} confirmed`,
    body: (data) => [`Your booking ${value(data, "reference")} is paid and confirmed: seats ${value(data, "seats")}.`],
  },
  "payment-failed": {
    fields: ["reference", "reason"],
    subject: (data) => `Payment for booking ${value(data, "reference")} failed`,
    body: (data) => [
      `The payment for booking ${value(data, "reference")} did not go through (${value(data, "reason")}).`,
      "Your seats are still held: you can pay again with another card until the hold runs out.",
    ],
  },
  "booking-cancelled": {
    fields: ["reference", "refund"],
    subject: (data) => `Booking ${value(data, "reference")} cancelled`,
    body: (data) => [
      `Your booking ${value(data, "reference")} is cancelled.`,
      data["refund"] === true ? "Your payment will be refunded in full." : "Nothing was charged.",
    ],
  },
  "booking-expired": {
    fields: ["reference"],
    subject: (data) => `Booking ${value(data, "reference")} expired`,
    body: (data) => [`The hold on booking ${value(data, "reference")} ran out before it was paid, and its seats were released.`],
  },
  "refund-issued": {
    fields: ["reference", "amount"],
    subject: (data) => `Refund for booking ${value(data, "reference")}`,
    body: (data) => [`We have refunded ${value(data, "amount")} for booking ${value(data, "reference")}.`],
  },
  "flight-delayed": {
    fields: ["reference", "flightNumber", "departureAt"],
    subject: (data) => `Flight ${value(data, "flightNumber")} is delayed`,
    body: (data) => [
      `Flight ${value(data, "flightNumber")} of your booking ${value(data, "reference")} now departs at ${value(data, "departureAt")}.`,
      ...(data["reason"] === undefined || data["reason"] === null ? [] : [`Reason: ${value(data, "reason")}.`]),
    ],
  },
  "flight-cancelled": {
    fields: ["reference"],
    subject: (data) => `Your flight for booking ${value(data, "reference")} is cancelled`,
    body: (data) => [
      `The flight of your booking ${value(data, "reference")} is cancelled, and so is the booking.`,
      data["refund"] === true ? "Your payment will be refunded in full." : "Nothing was charged.",
    ],
  },
} satisfies Record<string, Template>

export type TemplateName = keyof typeof templates
export const templateNames = Object.keys(templates) as ReadonlyArray<TemplateName>

export class TemplateUnknown extends Schema.TaggedError<TemplateUnknown>()("TemplateUnknown", { template: Schema.String }) {
  override get message() {
    return `there is no template ${this.template} (known: ${templateNames.join(", ")})`
  }
}

export class TemplateDataMissing extends Schema.TaggedError<TemplateDataMissing>()("TemplateDataMissing", {
  template: Schema.String,
  fields: Schema.Array(Schema.String),
}) {
  override get message() {
    return `template ${this.template} needs ${this.fields.join(", ")}`
  }
}

/**
 * Template data that is not free text (control characters, line separators, bidirectional
 * overrides, lone surrogates). `notification.send` refuses it already; this keeps data a service
 * builds itself to the same rule.
 */
export class TemplateDataInvalid extends Schema.TaggedError<TemplateDataInvalid>()("TemplateDataInvalid", {
  template: Schema.String,
  fields: Schema.Array(Schema.String),
}) {
  override get message() {
    return `template ${this.template}: ${this.fields.join(", ")} must not contain control characters, line separators, bidirectional overrides or lone surrogates`
  }
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[character]!)

/** Renders a template, or says why it cannot. */
export const render = (
  template: string,
  data: TemplateData,
): Either.Either<Rendered, TemplateUnknown | TemplateDataMissing | TemplateDataInvalid> => {
  if (!Object.hasOwn(templates, template)) return Either.left(new TemplateUnknown({ template }))
  const chosen: Template = templates[template as TemplateName]
  const missing = chosen.fields.filter((field) => data[field] === undefined || data[field] === null)
  if (missing.length > 0) return Either.left(new TemplateDataMissing({ template, fields: missing }))
  const invalid = Object.keys(data).filter((field) => typeof data[field] === "string" && FreeText.issueOf(data[field]) !== undefined)
  if (invalid.length > 0) return Either.left(new TemplateDataInvalid({ template, fields: invalid }))
  const subject = chosen.subject(data)
  const paragraphs = chosen.body(data)
  return Either.right({
    subject,
    text: paragraphs.join("\n\n"),
    html: `<!doctype html><html><body>${paragraphs.map((paragraph) => `<p>${escape(paragraph)}</p>`).join("")}</body></html>`,
  })
}
