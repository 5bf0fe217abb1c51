/**
 * The flight service's configuration: the tests every service makes (`ConfigSuite`), then its own —
 * a MongoDB replica set's connection string.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Option, Redacted } from "effect"
import { FlightConfig } from "../src/infrastructure/FlightConfig.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"

ConfigSuite.describe({
  service: "flight",
  config: FlightConfig,
  port: 3002,
  urls: [
    {
      variable: "MONGODB_URL",
      field: "mongodbUrl",
      schemes: ["mongodb:", "mongodb+srv:"],
      example: "mongodb+srv://app:s3cret@cluster0.example.net/flights",
      reads: { hosts: ["cluster0.example.net"] },
      otherScheme: "redis://admin:s3cret@db:6379",
    },
    ConfigSuite.rabbitmqUrl,
  ],
  productionRequires: [{ MONGODB_URL: "mongodb://mongo", RABBITMQ_URL: "amqps://broker", AUTH_ISSUER: "https://id.example" }],
})

const { valid } = ConfigSuite.reader(FlightConfig)

describe("flight configuration", () => {
  test("a replica-set connection string with several hosts is accepted, and logged without its password", () => {
    const config = valid({ MONGODB_URL: "mongodb://app:s3cret@a.example:27017,b.example:27018/flights?replicaSet=rs0" })
    const url = Option.getOrThrow(config.mongodbUrl)
    expect(Redacted.value(url).hosts).toEqual(["a.example:27017", "b.example:27018"])
    expect(MongoStore.address(url)).toBe("a.example:27017,b.example:27018/flights")
    expect(MongoStore.databaseName(url)).toBe("flights")
  })
})
