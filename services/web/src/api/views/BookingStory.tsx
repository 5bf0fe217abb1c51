/** @jsxImportSource hono/jsx */
/**
 * A booking and what happened to it, as the traveller and staff read it: its status (with the hold's
 * countdown while pending), its payments and refunds, its notifications. While it may still change,
 * htmx asks for this part again (`poll`, `pollSeconds`); without JavaScript a reload shows the same.
 */
import { type BookingStory, pollSeconds } from "../../domain/Resources.ts"
import * as Format from "./Format.ts"

/**
 * The status, in a live region that stays in the page (a screen reader announces its change): the
 * polled part replaces its words out of band, and only when the status moved on.
 */
export const StatusLine = (props: { readonly booking: BookingStory["booking"]; readonly outOfBand?: boolean }) => (
  <p
    id="status"
    class="status"
    {...(props.outOfBand ? { "hx-swap-oob": "innerHTML" } : { role: "status", "aria-live": "polite", "aria-atomic": "true" })}
  >
    <span class={`state ${props.booking.status}`}>
      Status: <strong data-status={props.booking.status}>{Format.bookingStatus[props.booking.status] ?? props.booking.status}</strong>
      {props.booking.cancellationReason ? ` (${Format.cancellationReason[props.booking.cancellationReason] ?? props.booking.cancellationReason})` : ""}
    </span>
  </p>
)

/** What may still change besides the status: the hold's countdown, refunds, payments, notifications. */
export const Progress = (props: { readonly story: BookingStory; readonly poll: string | null }) => {
  const { booking, payments } = props.story
  const every = props.poll === null ? null : pollSeconds(props.story)
  const refunded = payments.filter((payment) => payment.type === "refund")
  return (
    <div
      id="live"
      class="live"
      {...(every !== null ? { "hx-get": `${props.poll}?seen=${booking.status}`, "hx-trigger": `every ${every}s`, "hx-swap": "outerHTML" } : {})}
    >
      {booking.status === "pending" ? (
        <p class="hold">
          Your seats are held until <time datetime={booking.holdExpiresAt}>{Format.time(booking.holdExpiresAt)}</time>
          <span class="countdown" data-countdown={booking.holdExpiresAt} aria-hidden="true"></span>. Pay before then to confirm.
        </p>
      ) : null}
      {refunded.map((refund) => (
        <p class="refund" data-refund={refund.status}>
          {refund.status === "succeeded" ? `Refunded: ${Format.money(refund.amount)}` : `Refund of ${Format.money(refund.amount)}: ${refund.status}`}
        </p>
      ))}
      <h2>Payments and refunds</h2>
      {payments.length === 0 ? <p class="muted">None yet.</p> : (
        <table class="history">
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Amount</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
            {payments.map((payment) => (
              <tr>
                <td>{payment.createdAt ? Format.time(payment.createdAt) : ""}</td>
                <td>{payment.type === "refund" ? "Refund" : "Card payment"}</td>
                <td>{Format.money(payment.amount)}</td>
                <td>{payment.status === "failed" ? `Failed: ${Format.failureReason(payment.failureReason)}` : Format.capitalised(payment.status)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Messages sent</h2>
      {props.story.notifications.length === 0 ? <p class="muted">None yet.</p> : (
        <table class="history">
          <thead><tr><th scope="col">When</th><th scope="col">By</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {props.story.notifications.map((item) => (
              <tr>
                <td>{Format.time(item.createdAt)}</td>
                <td>{item.channel === "sms" ? "Text" : Format.capitalised(item.channel)}</td>
                <td>{item.recipient}</td>
                <td>{item.subject}</td>
                <td>{Format.capitalised(item.status)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** The flight and the passengers: what does not change while the page is open. */
export const Trip = (props: { readonly story: BookingStory }) => {
  const { booking, flight } = props.story
  return (
    <dl class="facts">
      <dt>Reference</dt>
      <dd><strong class="reference" data-reference={booking.reference}>{booking.reference}</strong></dd>
      {flight === null ? null : (
        <>
          <dt>Flight</dt>
          <dd>
            {flight.flightNumber} {flight.origin} → {flight.destination}, departs {Format.time(flight.departureAt)}
            {flight.status !== "scheduled" ? ` (${flight.status}${flight.statusReason ? `: ${flight.statusReason}` : ""})` : ""}
          </dd>
        </>
      )}
      <dt>Cabin</dt>
      <dd>{Format.capitalised(booking.cabin)}</dd>
      <dt>Passengers</dt>
      <dd>
        <ul class="plain">
          {booking.passengers.map((passenger) => <li>{passenger.firstName} {passenger.lastName}, seat {passenger.seat}</li>)}
        </ul>
      </dd>
      <dt>Contact</dt>
      <dd>{booking.contact.email}{booking.contact.phone ? `, ${booking.contact.phone}` : ""}</dd>
      <dt>Total</dt>
      <dd>{Format.money(booking.total)}</dd>
    </dl>
  )
}
