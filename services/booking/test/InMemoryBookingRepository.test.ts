import * as InMemoryBookingRepository from "../src/infrastructure/InMemoryBookingRepository.ts"
import { contract } from "./BookingRepository.contract.ts"
import { commandsIdempotencyContract } from "./BookingCommandsIdempotency.contract.ts"
import { holdLimitContract } from "./HoldLimit.contract.ts"

contract("in-memory", () => InMemoryBookingRepository.layer)
holdLimitContract("in-memory", () => InMemoryBookingRepository.layer)
commandsIdempotencyContract("in-memory", (options) => InMemoryBookingRepository.layerWith(options))
