/** @jsxImportSource hono/jsx */
/** A flight for staff: its availability, its bookings, and the delay and cancel forms; a booking's saga. */
import type { Booking, BookingStory, Flight } from "../../domain/Resources.ts"
import { type Fields, text } from "../../domain/Validation.ts"
import { Progress, StatusLine, Trip } from "./BookingStory.tsx"
import * as Format from "./Format.ts"
import { Csrf, ErrorSummary, Field, type FieldErrors } from "./Forms.tsx"
import { OpsNav } from "./OpsPages.tsx"

export interface FlightView {
  readonly admin: boolean
  readonly flight: Flight
  /** A page of the flight's bookings, newest first, and the cursor of the next; null when they could not be read. */
  readonly bookings: { readonly bookings: ReadonlyArray<Booking>; readonly nextCursor: string | null } | null
  /** Whether the page shown is an older one (not the newest bookings). */
  readonly olderPage: boolean
  readonly fields: Fields
  readonly errors: FieldErrors
  readonly problem: ReadonlyArray<string>
  readonly csrf: string
}

const changeable = (status: string) => status === "scheduled" || status === "delayed"

export const FlightPage = (props: FlightView) => {
  const { flight } = props
  return (
    <>
      <OpsNav admin={props.admin} />
      <h1>{flight.flightNumber} {flight.origin} → {flight.destination}</h1>
      <ErrorSummary errors={props.errors} lines={props.problem} />
      <dl class="facts">
        <dt>Status</dt>
        <dd><strong data-flight-status={flight.status}>{Format.capitalised(flight.status)}</strong>{flight.statusReason ? `: ${flight.statusReason}` : ""}</dd>
        <dt>Departs</dt>
        <dd>{Format.time(flight.departureAt)}{flight.departureAt !== flight.scheduledDepartureAt ? ` (scheduled ${Format.time(flight.scheduledDepartureAt)})` : ""}</dd>
        <dt>Arrives</dt>
        <dd>{Format.time(flight.arrivalAt)}</dd>
        <dt>Aircraft</dt>
        <dd>{flight.aircraft}</dd>
      </dl>
      <h2>Availability</h2>
      <table class="history">
        <thead><tr><th scope="col">Cabin</th><th scope="col">Rows</th><th scope="col">Letters</th><th scope="col">Fare</th><th scope="col">Free</th><th scope="col">Capacity</th></tr></thead>
        <tbody>
          {flight.cabins.map((cabin) => (
            <tr>
              <th scope="row">{Format.capitalised(cabin.cabin)}</th>
              <td>{cabin.rows.from}–{cabin.rows.to}</td>
              <td>{cabin.seatLetters}</td>
              <td>{Format.money(cabin.fare)}</td>
              <td>{cabin.availableSeats}</td>
              <td>{cabin.capacity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Bookings</h2>
      <p class="hint">Every booking on the flight, whatever its status, newest first{props.olderPage ? " (an older page)" : ""}.</p>
      {props.bookings === null ? <p>The bookings could not be read just now.</p> : props.bookings.bookings.length === 0 ? <p>No bookings found.</p> : (
        <table class="history">
          <thead><tr><th scope="col">Reference</th><th scope="col">Status</th><th scope="col">Passengers</th><th scope="col">Seats</th><th scope="col">Total</th></tr></thead>
          <tbody>
            {props.bookings.bookings.map((booking) => (
              <tr>
                <td><a href={`/ops/bookings/${booking.id}`}>{booking.reference}</a></td>
                <td>{Format.capitalised(booking.status)}</td>
                <td>{booking.passengers.map((passenger) => `${passenger.firstName} ${passenger.lastName}`).join(", ")}</td>
                <td>{booking.passengers.map((passenger) => passenger.seat).join(", ")}</td>
                <td>{Format.money(booking.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.olderPage || (props.bookings !== null && props.bookings.nextCursor !== null) ? (
        <p>
          {props.olderPage ? <a href={`/ops/flights/${flight.id}`}>Newest bookings</a> : null}
          {props.olderPage && props.bookings?.nextCursor ? " · " : null}
          {props.bookings?.nextCursor ? <a href={`/ops/flights/${flight.id}?bookings=${encodeURIComponent(props.bookings.nextCursor)}`}>Older bookings</a> : null}
        </p>
      ) : null}
      {changeable(flight.status) ? (
        <div class="columns">
          <form method="post" action={`/ops/flights/${flight.id}/delay`} novalidate>
            <Csrf token={props.csrf} />
            <h2>Delay</h2>
            <Field name="departureAt" label="New departure (UTC)" type="datetime-local" value={text(props.fields, "departureAt") || Format.localInput(flight.departureAt)} errors={props.errors} required />
            <Field name="reason" label="Reason (told to the travellers)" value={text(props.fields, "reason")} errors={props.errors} />
            <button type="submit" class="primary">Delay flight</button>
          </form>
          <form method="post" action={`/ops/flights/${flight.id}/cancel`} novalidate>
            <Csrf token={props.csrf} />
            <h2>Cancel</h2>
            <p>Every booking on it is cancelled, and the paid ones refunded.</p>
            <Field name="cancelReason" label="Reason" value={text(props.fields, "cancelReason")} errors={props.errors} />
            <div class={props.errors["confirm"] ? "field invalid" : "field"}>
              {props.errors["confirm"] ? <span class="error" id="confirm-error">{props.errors["confirm"]}</span> : null}
              <label class="choice"><input type="checkbox" id="confirm" name="confirm" value="yes" /> Yes, cancel {flight.flightNumber}</label>
            </div>
            <button type="submit" class="danger">Cancel flight</button>
          </form>
        </div>
      ) : null}
    </>
  )
}

/** A booking's saga for staff, who may also cancel it for the traveller (DESIGN §10). */
export const OpsBookingPage = (props: { readonly admin: boolean; readonly story: BookingStory; readonly csrf: string; readonly attempt: string; readonly errors: FieldErrors }) => {
  const { booking } = props.story
  return (
    <>
      <OpsNav admin={props.admin} />
      <h1>Booking {booking.reference}</h1>
      <ErrorSummary errors={props.errors} />
      {props.story.flight ? <p><a href={`/ops/flights/${props.story.flight.id}`}>Open flight {props.story.flight.flightNumber}</a></p> : null}
      <Trip story={props.story} />
      <StatusLine booking={booking} />
      {booking.status === "pending" || booking.status === "confirmed" ? (
        <form method="post" action={`/ops/bookings/${booking.id}/cancel`} class="cancel" novalidate>
          <Csrf token={props.csrf} />
          <input type="hidden" name="attempt" value={props.attempt} />
          <div class={props.errors["confirm"] ? "field invalid" : "field"}>
            {props.errors["confirm"] ? <span class="error" id="confirm-error">{props.errors["confirm"]}</span> : null}
            <label class="choice"><input type="checkbox" id="confirm" name="confirm" value="yes" /> Yes, cancel {booking.reference} for the traveller{booking.status === "confirmed" ? " (refunded in full)" : ""}</label>
          </div>
          <button type="submit" class="danger">Cancel booking</button>
        </form>
      ) : null}
      <Progress story={props.story} poll={null} />
    </>
  )
}
