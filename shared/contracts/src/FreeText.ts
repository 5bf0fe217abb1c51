/**
 * Free text: what a field whose alphabet is open (a name, an email, an aircraft type, a reason, a
 * template value) may contain. It ends up in emails, logs and terminals, so it refuses what would
 * act there instead of being read:
 *
 * - control characters: C0 (U+0000-U+001F, tab and line breaks included: every free-text field is
 *   one line), DEL and C1 (U+007F-U+009F);
 * - line and paragraph separators (U+2028, U+2029): line breaks by another name;
 * - bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder
 *   the text around them ("Trojan Source"); the marks U+200E, U+200F and U+061C are allowed: they
 *   only set the direction of their neighbours, and right-to-left names need them;
 * - lone surrogates: not Unicode text at all, and not writable as UTF-8.
 *
 * Every free-text field of the contracts pipes its string through `filter`, so the rule is defined
 * here once, and the HTTP APIs (400) and the consumers (dead letter) refuse the same values.
 */
import { Schema } from "effect"

export type Kind = "control" | "line-separator" | "bidi" | "lone-surrogate"

/** The first refused character of a text: what it is, and where (counted in code points). */
export interface Forbidden {
  readonly kind: Kind
  readonly codePoint: number
  readonly index: number
}

// Without the `u` flag, so that a surrogate is matched on its own and a lone one can be told apart.
const forbidden =
  /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const kindOf = (unit: number): Kind =>
  unit <= 0x9F ? "control" : unit <= 0x2029 ? "line-separator" : unit <= 0x2069 ? "bidi" : "lone-surrogate"

/** The first character free text may not contain, if there is one. */
export const firstForbidden = (text: string): Forbidden | undefined => {
  const found = forbidden.exec(text)
  if (found === null) return undefined
  const unit = text.charCodeAt(found.index)
  // Code points before it, so that an emoji counts once, as a reader counts it.
  return { kind: kindOf(unit), codePoint: unit, index: Array.from(text.slice(0, found.index)).length }
}

const what: Record<Kind, string> = {
  "control": "must not contain control characters",
  "line-separator": "must not contain line or paragraph separators",
  "bidi": "must not contain bidirectional embeddings, overrides or isolates",
  "lone-surrogate": "must be well-formed Unicode, without lone surrogates",
}

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`

/** Why the text is refused, naming the character and its position but never echoing the text. */
export const describe = (found: Forbidden): string => `${what[found.kind]} (${hex(found.codePoint)} at ${found.index})`

/** Why the text is not free text, or undefined when it is. */
export const issueOf = (text: string): string | undefined => {
  const found = firstForbidden(text)
  return found === undefined ? undefined : describe(found)
}

/**
 * The rule as a Schema filter, to pipe onto a string schema before its other checks, so that its
 * message is the one reported: `Schema.String.pipe(FreeText.filter, Schema.maxLength(200))`.
 */
export const filter = <A extends string, I, R>(self: Schema.Schema<A, I, R>) =>
  self.pipe(Schema.filter((text) => issueOf(text), {
    description: "text without control characters, line separators, bidirectional overrides or lone surrogates",
    // For the OpenAPI and AsyncAPI documents (lone surrogates cannot be written in JSON text anyway).
    jsonSchema: { pattern: "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$" },
  }))
