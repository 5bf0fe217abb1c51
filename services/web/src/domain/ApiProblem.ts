/**
 * What a service answered when it refused (RFC 9457 problem+json), and how it is told to a person:
 * one place maps a problem `type` to a sentence, so no page ever shows a status code, raw JSON or
 * a stack (DESIGN §3, §10).
 */
export interface FieldIssue {
  readonly path: string
  readonly message: string
}

export interface ApiProblem {
  readonly status: number
  readonly type: string
  readonly detail: string
  readonly errors: ReadonlyArray<FieldIssue>
  readonly retryAfterSeconds: number | null
}

/** A problem from an answer's status, headers and (possibly not JSON) body. */
export const fromAnswer = (status: number, body: unknown, retryAfter: string | null): ApiProblem => {
  const record = typeof body === "object" && body !== null ? body as Record<string, unknown> : {}
  const errors = Array.isArray(record["errors"])
    ? (record["errors"] as Array<unknown>).flatMap((item) => {
      const error = typeof item === "object" && item !== null ? item as Record<string, unknown> : {}
      return typeof error["path"] === "string" && typeof error["message"] === "string"
        ? [{ path: error["path"], message: error["message"] }]
        : []
    })
    : []
  const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : null
  return {
    status,
    type: typeof record["type"] === "string" ? record["type"] : `http-${status}`,
    detail: typeof record["detail"] === "string" ? record["detail"] : "",
    errors,
    retryAfterSeconds: seconds,
  }
}

/** A problem found by this service itself, told like the APIs'. */
export const of = (status: number, type: string): ApiProblem => ({ status, type, detail: "", errors: [], retryAfterSeconds: null })

/** No answer at all: the gateway or a service is down or slow. */
export const unreachable: ApiProblem = { status: 503, type: "unreachable", detail: "", errors: [], retryAfterSeconds: null }

const sentences: Readonly<Record<string, string>> = {
  "seats-unavailable": "Some of those seats were taken a moment ago. Please choose other seats.",
  "flight-not-bookable": "This flight can no longer be booked (it is cancelled, boarding or gone).",
  "flight-not-found": "We could not find that flight.",
  "booking-not-found": "No booking matches. Check the reference and the last name, or sign in with the account that made it.",
  "booking-not-cancellable": "This booking can no longer be cancelled: it has already ended.",
  "hold-expired": "The hold on your seats has run out, so the booking can no longer be paid.",
  "nothing-to-pay": "There is nothing left to pay on this booking.",
  "payment-in-progress": "A payment for this booking is already under way. Please wait a moment and look again.",
  "payment-not-ready": "The booking is still being set up for payment. Please try again in a moment.",
  "request-in-progress": "Your previous request is still being handled. Please wait a moment.",
  "too-many-holds": "Too many seats are held at once for this contact. Pay or cancel a booking first, or wait for a hold to run out.",
  "too-many-requests": "Too many attempts. Please wait a minute and try again.",
  "invalid-email-or-password": "The email or password is not right.",
  "user-already-exists": "An account with this email already exists. Sign in instead.",
  "user-already-exists-use-another-email": "An account with this email already exists. Sign in instead.",
  "password-too-weak": "Choose a longer password: at least 12 characters, and not a common one.",
  "password-too-short": "Choose a longer password: at least 12 characters.",
  "flight-already-scheduled": "A flight with this number already flies that day.",
  "invalid-status-transition": "The flight's status cannot change that way from where it is now.",
  "bad-party": "That seat choice is not one this page can use. Please start again from the search.",
  "unreachable": "The booking system is not answering right now. Please try again in a moment.",
  "dead-letter-not-found": "That message is no longer among the dead letters: it was replayed or taken off already.",
}

const byStatus = (status: number): string =>
  status === 401 ? "Your sign-in has run out. Please sign in again."
  : status === 403 ? "Your account may not do this."
  : status === 404 ? "We could not find that."
  : status === 409 ? "That cannot be done now: things changed meanwhile. Please look again."
  : status === 429 ? "Too many requests. Please wait a moment and try again."
  : status >= 500 ? "Something went wrong on our side. Please try again in a moment."
  : "That request was not accepted. Please check what you entered."

/** The sentence for a problem: its type's, or its status's. */
export const messageOf = (problem: ApiProblem): string => sentences[problem.type] ?? byStatus(problem.status)

/** A field issue as a person reads it: `body.passengers.0.seat` → "Passengers 1 seat". */
export const fieldLabel = (path: string): string => {
  const parts = path.split(".").filter((part) => part !== "body" && part !== "query" && part !== "path")
  return parts.map((part) => /^\d+$/.test(part) ? String(Number(part) + 1) : part.replace(/([A-Z])/g, " $1").toLowerCase())
    .join(" ")
    .replace(/^./, (first) => first.toUpperCase())
}

/** Every line to show for a problem: its sentence, and for bad input each field's issue. */
export const linesOf = (problem: ApiProblem): ReadonlyArray<string> => [
  messageOf(problem),
  ...(problem.status === 400 ? problem.errors.map((error) => `${fieldLabel(error.path)}: ${error.message}`) : []),
]
