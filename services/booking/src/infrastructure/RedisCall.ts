/** A Redis call as an Effect: the store's one way to Redis, traced, its failure the store's error. */
import { Spans, StoreError } from "@flight/runtime"
import { Effect } from "effect"
import { BookingStoreError } from "../domain/BookingRepository.ts"

const { reasonOf } = StoreError

/** A Redis call as an Effect, in a client span, its failure a BookingStoreError naming the operation. */
export const call = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (cause) => new BookingStoreError({ operation, reason: reasonOf(cause) }) }).pipe(
    Spans.within(`redis ${operation}`, { kind: "client", attributes: { "db.system.name": "redis", "db.operation.name": operation } }),
  )
