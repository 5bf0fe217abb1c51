/** @jsxImportSource hono/jsx */
/** The operations console's lists and forms: the flights of a day, finding a booking, scheduling a flight. */
import { cabinSlots } from "../../domain/ConsoleForms.ts"
import type { Flight } from "../../domain/Resources.ts"
import { Cabins, type Fields, text } from "../../domain/Validation.ts"
import * as Format from "./Format.ts"
import { Csrf, ErrorSummary, Field, type FieldErrors, Select } from "./Forms.tsx"

export const OpsNav = (props: { readonly admin: boolean }) => (
  <nav aria-label="Operations" class="subnav">
    <a href="/ops">Flights</a>
    <a href="/ops/flights/new">Schedule a flight</a>
    <a href="/ops/bookings">Find a booking</a>
    {props.admin ? <a href="/ops/system">System</a> : null}
  </nav>
)

export const FlightsPage = (props: {
  readonly admin: boolean
  readonly fields: Fields
  readonly errors: FieldErrors
  readonly problem: ReadonlyArray<string>
  /** The day's flights, and whether more remain than are listed; null before a day is asked. */
  readonly flights: { readonly flights: ReadonlyArray<Flight>; readonly more: boolean } | null
}) => (
  <>
    <OpsNav admin={props.admin} />
    <h1>Flights</h1>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <form method="get" action="/ops" class="search" novalidate>
      <Field name="date" label="Day (UTC)" type="date" value={text(props.fields, "date")} errors={props.errors} />
      <Field name="origin" label="From (optional)" value={text(props.fields, "origin")} errors={props.errors} extra={{ maxlength: 3 }} />
      <Field name="destination" label="To (optional)" value={text(props.fields, "destination")} errors={props.errors} extra={{ maxlength: 3 }} />
      <button type="submit" class="primary">List flights</button>
    </form>
    <p class="hint">Every flight departing that day, whatever its status: cancelled, full and departed ones too.</p>
    {props.flights === null ? null : props.flights.flights.length === 0 ? <p>No flights depart that day{text(props.fields, "origin") || text(props.fields, "destination") ? " on this route" : ""}.</p> : (
      <>
        <table class="history">
          <thead><tr><th scope="col">Flight</th><th scope="col">Departs</th><th scope="col">Arrives</th><th scope="col">Status</th><th scope="col">Seats left</th></tr></thead>
          <tbody>
            {props.flights.flights.map((flight) => (
              <tr data-flight={flight.id}>
                <td><a href={`/ops/flights/${flight.id}`}>{flight.flightNumber}</a> {flight.origin} → {flight.destination}</td>
                <td>{Format.time(flight.departureAt)}</td>
                <td>{Format.time(flight.arrivalAt)}</td>
                <td data-flight-status={flight.status}>{Format.capitalised(flight.status)}{flight.statusReason ? `: ${flight.statusReason}` : ""}</td>
                <td>{flight.cabins.map((cabin) => `${cabin.cabin} ${cabin.availableSeats}/${cabin.capacity}`).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.flights.more ? <p class="hint">Only the first {props.flights.flights.length} flights are listed: give a route to see the rest.</p> : null}
      </>
    )}
  </>
)

export const FindBookingPage = (props: { readonly admin: boolean; readonly fields: Fields; readonly errors: FieldErrors; readonly problem: ReadonlyArray<string> }) => (
  <>
    <OpsNav admin={props.admin} />
    <h1>Find a booking</h1>
    <p class="hint">By its reference (a passenger's last name, when given, must match), or by its id.</p>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <form method="get" action="/ops/bookings" class="search" novalidate>
      <Field name="reference" label="Reference" value={text(props.fields, "reference")} errors={props.errors} extra={{ maxlength: 6 }} />
      <Field name="lastName" label="Passenger's last name (optional)" value={text(props.fields, "lastName")} errors={props.errors} />
      <Field name="id" label="or booking id" value={text(props.fields, "id")} errors={props.errors} />
      <button type="submit" class="primary">Find</button>
    </form>
  </>
)

const cabinOptions = Cabins.map((cabin) => [cabin, Format.capitalised(cabin)] as const)

export const SchedulePage = (props: { readonly admin: boolean; readonly fields: Fields; readonly errors: FieldErrors; readonly problem: ReadonlyArray<string>; readonly csrf: string; readonly attempt: string }) => (
  <>
    <OpsNav admin={props.admin} />
    <h1>Schedule a flight</h1>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <form method="post" action="/ops/flights" novalidate>
      <Csrf token={props.csrf} />
      <input type="hidden" name="attempt" value={props.attempt} />
      <fieldset class="flow">
        <legend>Flight</legend>
        <Field name="flightNumber" label="Flight number" hint="e.g. BA117" value={text(props.fields, "flightNumber")} errors={props.errors} required />
        <Field name="origin" label="From" hint="Airport code" value={text(props.fields, "origin")} errors={props.errors} required extra={{ maxlength: 3 }} />
        <Field name="destination" label="To" hint="Airport code" value={text(props.fields, "destination")} errors={props.errors} required extra={{ maxlength: 3 }} />
        <Field name="departureAt" label="Departure (UTC)" type="datetime-local" value={text(props.fields, "departureAt")} errors={props.errors} required />
        <Field name="arrivalAt" label="Arrival (UTC)" type="datetime-local" value={text(props.fields, "arrivalAt")} errors={props.errors} required />
        <Field name="aircraft" label="Aircraft" hint="e.g. Boeing 777" value={text(props.fields, "aircraft")} errors={props.errors} required />
        <Field name="currency" label="Currency of the fares" value={text(props.fields, "currency") || "GBP"} errors={props.errors} extra={{ maxlength: 3 }} />
      </fieldset>
      {Array.from({ length: cabinSlots }, (_, slot) => (
        <fieldset class="flow">
          <legend>Cabin {slot + 1}{slot === 0 ? "" : " (optional)"}</legend>
          <Select name={`cabin${slot}`} label="Class" value={text(props.fields, `cabin${slot}`) || Cabins[slot]!} options={cabinOptions} errors={props.errors} />
          <Field name={`rowsFrom${slot}`} label="First row" type="number" value={text(props.fields, `rowsFrom${slot}`)} errors={props.errors} extra={{ min: 1, max: 999, inputmode: "numeric" }} />
          <Field name={`rowsTo${slot}`} label="Last row" type="number" value={text(props.fields, `rowsTo${slot}`)} errors={props.errors} extra={{ min: 1, max: 999, inputmode: "numeric" }} />
          <Field name={`letters${slot}`} label="Seat letters" hint="e.g. ABCDEF" value={text(props.fields, `letters${slot}`)} errors={props.errors} />
          <Field name={`fare${slot}`} label="Fare per seat" hint="e.g. 450.00" value={text(props.fields, `fare${slot}`)} errors={props.errors} extra={{ inputmode: "decimal" }} />
        </fieldset>
      ))}
      <button type="submit" class="primary">Schedule flight</button>
    </form>
  </>
)
