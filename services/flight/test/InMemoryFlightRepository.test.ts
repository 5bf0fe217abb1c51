import * as InMemoryFlightRepository from "../src/infrastructure/InMemoryFlightRepository.ts"
import { contract } from "./FlightRepository.contract.ts"

contract("in-memory", () => InMemoryFlightRepository.layer)
