/**
 * The payment service's configuration: the tests every service makes (`ConfigSuite`) on the
 * configuration it starts with, whose store and bus are read before its issuers; and the store's
 * configuration alone, which needs only its URLs.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Either } from "effect"
import { PaymentConfig as StoreConfig } from "../src/infrastructure/PaymentConfig.ts"
import { PaymentConfig } from "../src/main.ts"

const store = { DATABASE_URL: "postgres://db/payments", RABBITMQ_URL: "amqps://broker" }

ConfigSuite.describe({
  service: "payment",
  config: PaymentConfig,
  port: 3003,
  urls: [ConfigSuite.databaseUrl, ConfigSuite.rabbitmqUrl],
  // The issuers' localhost defaults would refuse every token.
  productionRequires: [store, { AUTH_ISSUER: "https://id.example", AUTH_GUEST_ISSUER: "https://booking.example" }],
})

describe("payment configuration", () => {
  test("the store's configuration alone: APP_ENV=production needs DATABASE_URL and RABBITMQ_URL, and starts with both", () => {
    const { named, read } = ConfigSuite.reader(StoreConfig)
    expect(named({ APP_ENV: "production" })).toEqual(["DATABASE_URL", "RABBITMQ_URL"])
    expect(named({ APP_ENV: "production", DATABASE_URL: store.DATABASE_URL })).toEqual(["RABBITMQ_URL"])
    expect(Either.isRight(read({ APP_ENV: "production", ...store }))).toBe(true)
  })
})
