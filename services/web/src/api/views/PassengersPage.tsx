/** @jsxImportSource hono/jsx */
/** The passengers' names and the contact: posting it holds the seats. */
import type { Flight } from "../../domain/Resources.ts"
import type { Party } from "../../domain/TravelForms.ts"
import { type Fields, text } from "../../domain/Validation.ts"
import * as Format from "./Format.ts"
import { Csrf, ErrorSummary, Field, type FieldErrors } from "./Forms.tsx"

export interface PassengersView {
  readonly flight: Flight
  readonly party: Party
  readonly fields: Fields
  readonly errors: FieldErrors
  readonly problem: ReadonlyArray<string>
  readonly csrf: string
  /** The Idempotency-Key of this form's booking: posting it twice books once. */
  readonly attempt: string
}

export const PassengersPage = (props: PassengersView) => {
  const fare = props.flight.cabins.find((cabin) => cabin.cabin === props.party.cabin)?.fare
  return (
    <>
      <h1>Who is flying?</h1>
      <p class="muted">
        {props.flight.flightNumber} {props.flight.origin} → {props.flight.destination}, {Format.time(props.flight.departureAt)} ·{" "}
        {Format.capitalised(props.party.cabin)} · {props.party.seats.length > 0 ? `seats ${props.party.seats.join(", ")}` : "seats chosen for you, together where possible"}
        {fare ? ` · ${Format.money({ ...fare, amount: fare.amount * props.party.passengers })} in total` : ""}
      </p>
      <ErrorSummary errors={props.errors} lines={props.problem} />
      <form method="post" action={`/flights/${props.flight.id}/book`} novalidate>
        <Csrf token={props.csrf} />
        <input type="hidden" name="attempt" value={props.attempt} />
        <input type="hidden" name="cabin" value={props.party.cabin} />
        <input type="hidden" name="passengers" value={String(props.party.passengers)} />
        {props.party.seats.map((seat) => <input type="hidden" name="seat" value={seat} />)}
        {Array.from({ length: props.party.passengers }, (_, index) => (
          <fieldset>
            <legend>Passenger {index + 1}{props.party.seats[index] ? `, seat ${props.party.seats[index]}` : ""}</legend>
            <Field name={`firstName${index}`} label="First name" value={text(props.fields, `firstName${index}`)} errors={props.errors} required autocomplete={index === 0 ? "given-name" : "off"} />
            <Field name={`lastName${index}`} label="Last name" value={text(props.fields, `lastName${index}`)} errors={props.errors} required autocomplete={index === 0 ? "family-name" : "off"} />
          </fieldset>
        ))}
        <fieldset>
          <legend>Contact</legend>
          <Field name="email" label="Email" type="email" hint="We send the confirmation here" value={text(props.fields, "email")} errors={props.errors} required autocomplete="email" />
          <Field name="phone" label="Mobile phone (optional)" type="tel" hint="With the country code, e.g. +447700900123, for text messages" value={text(props.fields, "phone")} errors={props.errors} autocomplete="tel" />
        </fieldset>
        <button type="submit" class="primary">Hold these seats</button>
      </form>
    </>
  )
}
