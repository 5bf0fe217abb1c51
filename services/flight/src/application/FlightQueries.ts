/** The flight service's queries: GetFlight, SearchFlights and ListDepartures (staff). */
import type { FlightId } from "@flight/contracts"
import { Spans } from "@flight/runtime"
import { Effect, Option } from "effect"
import * as Flight from "../domain/Flight.ts"
import { type DeparturesCriteria, FlightRepository, type SearchCriteria } from "../domain/FlightRepository.ts"

export class FlightQueries extends Effect.Service<FlightQueries>()("flight/FlightQueries", {
  effect: Effect.gen(function* () {
    const repository = yield* FlightRepository

    const get = Spans.fn("FlightQueries.get")(function* (id: FlightId) {
      return yield* Effect.flatMap(repository.get(id), Flight.found(id))
    })

    // A read of memory in the in-memory store, the service's hottest call: its span is made with its
    // attributes, which depend on the criteria.
    const search = (criteria: SearchCriteria) =>
      Spans.within("FlightQueries.search", {
        attributes: {
          "flight.route": `${criteria.origin}-${criteria.destination}`,
          "flight.date": criteria.date,
          "flight.cabin": criteria.cabin,
        },
      })(repository.search(criteria))

    const departures = Spans.fn("FlightQueries.departures")(function* (criteria: DeparturesCriteria) {
      yield* Effect.annotateCurrentSpan({
        "flight.date": criteria.date,
        "flight.origin": Option.getOrElse(criteria.origin, () => "any"),
        "flight.destination": Option.getOrElse(criteria.destination, () => "any"),
        "flight.status": Option.getOrElse(criteria.status, () => "any"),
      })
      return yield* repository.departures(criteria)
    })

    return { get, search, departures } as const
  }),
}) {}
