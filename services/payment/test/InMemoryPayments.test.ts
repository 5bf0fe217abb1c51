import { Effect } from "effect"
import { inMemoryLayer } from "../src/main.ts"
import { contract } from "./PaymentContract.ts"

contract("in-memory", () => Effect.succeed(inMemoryLayer()))
