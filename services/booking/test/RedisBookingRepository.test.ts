import { RealServer } from "@flight/runtime/testing"
import { Layer, Redacted } from "effect"
import * as RedisBookingRepository from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { contract } from "./BookingRepository.contract.ts"

RealServer.describeWith("REDIS_URL", "Redis booking repository", (url) => {
  contract("Redis", () => RedisBookingRepository.layer.pipe(Layer.provide(RedisStore.layer(Redacted.make(new URL(url))))))
})
