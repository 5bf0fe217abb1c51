/** @jsxImportSource hono/jsx */
/**
 * The seat map of a cabin: a checkbox per free seat (held and sold ones shown, not choosable), row by
 * row; or the system chooses, keeping the party together. A GET form: choosing changes nothing yet.
 */
import type { Flight, SeatMap } from "../../domain/Resources.ts"
import * as Format from "./Format.ts"
import { ErrorSummary, type FieldErrors } from "./Forms.tsx"

export interface SeatMapView {
  readonly flight: Flight
  readonly map: SeatMap
  readonly passengers: number
  readonly chosen: ReadonlyArray<string>
  readonly errors: FieldErrors
  readonly problem: ReadonlyArray<string>
}

const rowsOf = (map: SeatMap): ReadonlyArray<readonly [string, ReadonlyArray<SeatMap["seats"][number]>]> => {
  const rows = new Map<string, Array<SeatMap["seats"][number]>>()
  for (const seat of map.seats) {
    const row = seat.seat.slice(0, -1)
    rows.set(row, [...(rows.get(row) ?? []), seat])
  }
  return [...rows.entries()]
}

const stateLabel = { free: "free", held: "held by another booking", sold: "sold" } as const

export const SeatMapPage = (props: SeatMapView) => {
  const free = props.map.seats.filter((seat) => seat.state === "free").length
  const cabin = props.map.cabin
  return (
    <>
      <h1>Choose seats: {props.flight.flightNumber} {props.flight.origin} → {props.flight.destination}</h1>
      <p class="muted">{Format.time(props.flight.departureAt)} · {Format.capitalised(cabin)} · {props.passengers} {props.passengers === 1 ? "passenger" : "passengers"} · {free} seats free</p>
      <ErrorSummary errors={props.errors} lines={props.problem} />
      <form method="get" action={`/flights/${props.flight.id}/passengers`}>
        <input type="hidden" name="cabin" value={cabin} />
        <input type="hidden" name="passengers" value={String(props.passengers)} />
        <fieldset class="seatmap" id="seat" aria-describedby="legend">
          <legend>Seats in {cabin}: choose {props.passengers}, or none and we choose for you</legend>
          <p id="legend" class="legend">
            <span class="seat free">Free</span> <span class="seat held">Held</span> <span class="seat sold">Sold</span>
          </p>
          {rowsOf(props.map).map(([row, seats]) => (
            <div class="row" role="group" aria-label={`Row ${row}`}>
              <span class="row-number" aria-hidden="true">{row}</span>
              {seats.map((seat) => (
                <label class={`seat ${seat.state}`} title={`${seat.seat}: ${stateLabel[seat.state]}`}>
                  <input
                    type="checkbox"
                    name="seat"
                    value={seat.seat}
                    disabled={seat.state !== "free"}
                    checked={props.chosen.includes(seat.seat)}
                    aria-label={`Seat ${seat.seat}, ${stateLabel[seat.state]}`}
                  />
                  <span aria-hidden="true">{seat.seat.slice(-1)}</span>
                </label>
              ))}
            </div>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary">Continue with these seats</button>
          <a class="button" href={`/flights/${props.flight.id}/passengers?cabin=${cabin}&passengers=${props.passengers}`}>Let us choose seats for you</a>
        </div>
      </form>
    </>
  )
}
