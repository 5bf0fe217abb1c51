/**
 * What "ready" means for the flight service: its store answers and the message bus can publish.
 * The API serves these checks as `/health/ready`.
 */
import { MessageBus } from "@flight/bus"
import { Data, Effect } from "effect"
import { StoreHealth, type StoreUnavailable } from "../domain/StoreHealth.ts"

export class BusUnavailable extends Data.TaggedError("BusUnavailable")<{}> {
  override get message(): string {
    return "the message bus cannot publish"
  }
}

export type Check = Effect.Effect<void, StoreUnavailable | BusUnavailable>

export class HealthCheck extends Effect.Service<HealthCheck>()("flight/HealthCheck", {
  effect: Effect.gen(function* () {
    const store = yield* StoreHealth
    const bus = yield* MessageBus
    const checks: Readonly<Record<string, Check>> = {
      [store.name]: store.check,
      "message-bus": Effect.asVoid(Effect.filterOrFail(bus.healthy, (up) => up, () => new BusUnavailable())),
    }
    return { checks } as const
  }),
}) {}
