/** @jsxImportSource hono/jsx */
/** Search: the form, and the flights found with their times, each cabin's fare and the seats left. */
import type { Flight } from "../../domain/Resources.ts"
import { Cabins, type Fields, text } from "../../domain/Validation.ts"
import * as Format from "./Format.ts"
import { ErrorSummary, Field, type FieldErrors, Select } from "./Forms.tsx"

export interface SearchView {
  readonly fields: Fields
  readonly errors: FieldErrors
  readonly problem: ReadonlyArray<string>
  /** None before a search. */
  readonly results: ReadonlyArray<Flight> | null
}

const cabinOptions = Cabins.map((cabin) => [cabin, Format.capitalised(cabin)] as const)
const passengerOptions = Array.from({ length: 9 }, (_, index) => [String(index + 1), String(index + 1)] as const)

export const SearchPage = (props: SearchView) => {
  const passengers = text(props.fields, "passengers") || "1"
  const cabin = text(props.fields, "cabin") || "economy"
  return (
    <>
      <h1>Find a flight</h1>
      <ErrorSummary errors={props.errors} lines={props.problem} />
      <form method="get" action="/" class="search" novalidate>
        <Field name="origin" label="From" hint="Airport code, e.g. LHR" value={text(props.fields, "origin")} errors={props.errors} extra={{ maxlength: 3, autocapitalize: "characters" }} />
        <Field name="destination" label="To" hint="Airport code, e.g. JFK" value={text(props.fields, "destination")} errors={props.errors} extra={{ maxlength: 3, autocapitalize: "characters" }} />
        <Field name="date" label="Date" type="date" hint="Departure day (UTC)" value={text(props.fields, "date")} errors={props.errors} />
        <Select name="passengers" label="Passengers" value={passengers} options={passengerOptions} errors={props.errors} />
        <Select name="cabin" label="Cabin" value={cabin} options={cabinOptions} errors={props.errors} />
        <button type="submit" class="primary">Search</button>
      </form>
      {props.results === null ? null : (
        <section aria-labelledby="results-title">
          <h2 id="results-title">{props.results.length === 0 ? "No flights found" : `${props.results.length} ${props.results.length === 1 ? "flight" : "flights"} found`}</h2>
          {props.results.length === 0 ? (
            <p>No flight on that day has {passengers} {passengers === "1" ? "seat" : "seats"} left in {cabin}. Try another day or cabin.</p>
          ) : (
            <ul class="results">
              {props.results.map((flight) => (
                <li class="card">
                  <div class="route">
                    <strong>{flight.flightNumber}</strong> {flight.origin} {Format.clock(flight.departureAt)} → {flight.destination} {Format.clock(flight.arrivalAt)}
                    {flight.status === "delayed" ? <span class="badge warn">Delayed</span> : null}
                  </div>
                  <div class="muted">Departs {Format.time(flight.departureAt)} · arrives {Format.time(flight.arrivalAt)} · {flight.aircraft}</div>
                  <table>
                    <caption class="visually-hidden">Fares of {flight.flightNumber}</caption>
                    <thead><tr><th scope="col">Cabin</th><th scope="col">Fare per person</th><th scope="col">Seats left</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
                    <tbody>
                      {flight.cabins.map((offer) => (
                        <tr>
                          <th scope="row">{Format.capitalised(offer.cabin)}</th>
                          <td>{Format.money(offer.fare)}</td>
                          <td>{offer.availableSeats}</td>
                          <td>
                            {offer.availableSeats >= Number(passengers) ? (
                              <a class="button" href={`/flights/${flight.id}/seats?cabin=${offer.cabin}&passengers=${passengers}`}>
                                Choose {offer.cabin} seats<span class="visually-hidden"> on {flight.flightNumber}</span>
                              </a>
                            ) : <span class="muted">Not enough seats</span>}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  )
}
