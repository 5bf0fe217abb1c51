/** @jsxImportSource hono/jsx */
/** A traveller's booking: the trip, the live status, and what may be done (pay with a test card, cancel). */
import type { Booking, BookingStory } from "../../domain/Resources.ts"
import { testCards } from "../../domain/TravelForms.ts"
import { Progress, StatusLine, Trip } from "./BookingStory.tsx"
import { Csrf, ErrorSummary, type FieldErrors } from "./Forms.tsx"

export interface Actions {
  readonly booking: Booking
  readonly csrf: string
  readonly attempt: string
  readonly errors: FieldErrors
  /** Sent out of band by the live part when the status moved on, so a paid booking offers no payment. */
  readonly outOfBand?: boolean
}

export const BookingActions = (props: Actions) => {
  const { booking } = props
  const cancellable = booking.status === "pending" || booking.status === "confirmed"
  return (
    <div id="actions" {...(props.outOfBand ? { "hx-swap-oob": "true" } : {})}>
      {booking.status === "pending" ? (
        <form method="post" action={`/bookings/${booking.id}/pay`} class="pay" novalidate hx-boost="true">
          <Csrf token={props.csrf} />
          <input type="hidden" name="attempt" value={props.attempt} />
          <fieldset id="card" {...(props.errors["card"] ? { "aria-describedby": "card-error" } : {})}>
            <legend>Pay with a test card</legend>
            {props.errors["card"] ? <span class="error" id="card-error">{props.errors["card"]}</span> : null}
            <p class="hint">This system charges through a simulated gateway: choose what the card should do.</p>
            {testCards.map((card, index) => (
              <label class="choice">
                <input type="radio" name="card" value={card.token} checked={index === 0} />
                <code>{card.token}</code> {card.label}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary">Pay</button>
        </form>
      ) : null}
      {cancellable ? (
        <form method="post" action={`/bookings/${booking.id}/cancel`} class="cancel" hx-boost="true">
          <Csrf token={props.csrf} />
          <input type="hidden" name="attempt" value={props.attempt} />
          <button type="submit" class="danger">
            Cancel this booking{booking.status === "confirmed" ? " (refunded in full)" : ""}
          </button>
        </form>
      ) : null}
    </div>
  )
}

export const BookingPage = (props: { readonly story: BookingStory; readonly csrf: string; readonly attempt: string; readonly errors: FieldErrors; readonly problem: ReadonlyArray<string> }) => (
  <>
    <h1>Booking {props.story.booking.reference}</h1>
    <ErrorSummary errors={props.errors} lines={props.problem} />
    <Trip story={props.story} />
    <StatusLine booking={props.story.booking} />
    <BookingActions booking={props.story.booking} csrf={props.csrf} attempt={props.attempt} errors={props.errors} />
    <Progress story={props.story} poll={`/bookings/${props.story.booking.id}/live`} />
  </>
)
