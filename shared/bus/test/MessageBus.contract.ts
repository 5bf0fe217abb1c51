/**
 * The behaviour every MessageBus adapter must have. Each adapter's test file runs this suite, which
 * runs the contract's parts: delivery, failures, dead letters, interruptions.
 */
import { describe } from "bun:test"
import * as DeadLetters from "./MessageBusDeadLetters.contract.ts"
import * as Delivery from "./MessageBusDelivery.contract.ts"
import * as Failures from "./MessageBusFailures.contract.ts"
import * as Interruptions from "./MessageBusInterruptions.contract.ts"
import type { Adapter } from "./support/Harness.ts"

export const contractSuite = (adapter: Adapter) =>
  describe(`MessageBus contract: ${adapter.name}`, () => {
    Delivery.suite(adapter)
    Failures.suite(adapter)
    DeadLetters.suite(adapter)
    Interruptions.suite(adapter)
  })
