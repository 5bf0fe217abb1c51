import * as InMemoryBookingRepository from "../src/infrastructure/InMemoryBookingRepository.ts"
import { contract } from "./BookingRepository.contract.ts"

contract("in-memory", () => InMemoryBookingRepository.layer)
