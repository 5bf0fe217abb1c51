/** @jsxImportSource hono/jsx */
/** Sign in, sign up, manage a booking by reference, and "my trips". */
import type { Booking, Flight } from "../../domain/Resources.ts"
import { type Fields, text } from "../../domain/Validation.ts"
import * as Format from "./Format.ts"
import { Csrf, ErrorSummary, Field, type FieldErrors } from "./Forms.tsx"

interface FormView {
  readonly fields: Fields
  readonly errors: FieldErrors
  readonly problem: ReadonlyArray<string>
  readonly csrf: string
}

export const SignInPage = (props: FormView & { readonly next: string }) => (
  <>
    <h1>Sign in</h1>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <form method="post" action="/sign-in" class="narrow" novalidate>
      <Csrf token={props.csrf} />
      <input type="hidden" name="next" value={props.next} />
      <Field name="email" label="Email" type="email" value={text(props.fields, "email")} errors={props.errors} required autocomplete="username" />
      <Field name="password" label="Password" type="password" errors={props.errors} required autocomplete="current-password" />
      <button type="submit" class="primary">Sign in</button>
    </form>
    <p>No account yet? <a href="/sign-up">Sign up</a>. You can also book without one.</p>
  </>
)

export const SignUpPage = (props: FormView) => (
  <>
    <h1>Create an account</h1>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <form method="post" action="/sign-up" class="narrow" novalidate>
      <Csrf token={props.csrf} />
      <Field name="name" label="Your name" value={text(props.fields, "name")} errors={props.errors} required autocomplete="name" />
      <Field name="email" label="Email" type="email" value={text(props.fields, "email")} errors={props.errors} required autocomplete="email" />
      <Field name="password" label="Password" type="password" hint="At least 12 characters" errors={props.errors} required autocomplete="new-password" />
      <button type="submit" class="primary">Create account</button>
    </form>
    <p>Already have one? <a href="/sign-in">Sign in</a>.</p>
  </>
)

export const ManagePage = (props: FormView) => (
  <>
    <h1>Manage a booking</h1>
    <p>Enter the booking reference and the last name of one of its passengers.</p>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <form method="post" action="/manage" class="narrow" novalidate>
      <Csrf token={props.csrf} />
      <Field name="reference" label="Booking reference" hint="Six letters and digits, e.g. X7K2QP" value={text(props.fields, "reference")} errors={props.errors} required extra={{ maxlength: 6, autocapitalize: "characters" }} />
      <Field name="lastName" label="Last name" value={text(props.fields, "lastName")} errors={props.errors} required autocomplete="family-name" />
      <button type="submit" class="primary">Find booking</button>
    </form>
  </>
)

export const TripsPage = (props: { readonly trips: ReadonlyArray<{ readonly booking: Booking; readonly flight: Flight | null }> }) => (
  <>
    <h1>My trips</h1>
    {props.trips.length === 0 ? <p>No bookings yet. <a href="/">Find a flight</a>.</p> : (
      <table class="history">
        <thead><tr><th scope="col">Reference</th><th scope="col">Flight</th><th scope="col">Departs</th><th scope="col">Passengers</th><th scope="col">Status</th></tr></thead>
        <tbody>
          {props.trips.map(({ booking, flight }) => (
            <tr>
              <td><a href={`/bookings/${booking.id}`}>{booking.reference}</a></td>
              <td>{flight === null ? "" : `${flight.flightNumber} ${flight.origin} → ${flight.destination}`}</td>
              <td>{flight === null ? "" : Format.time(flight.departureAt)}</td>
              <td>{booking.passengers.length}</td>
              <td>{Format.capitalised(booking.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </>
)

/** A refusal or failure as a page: a sentence, where to go next; never a stack or a status dump. */
export const ErrorPage = (props: { readonly heading: string; readonly lines: ReadonlyArray<string> }) => (
  <>
    <h1>{props.heading}</h1>
    {props.lines.map((line) => <p>{line}</p>)}
    <p><a href="/">Go to the search page</a></p>
  </>
)
