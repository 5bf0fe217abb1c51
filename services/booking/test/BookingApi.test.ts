import { TestIssuer } from "@flight/auth/testing"
import { ServiceSuite } from "@flight/bus/testing"
import { Layer } from "effect"
import * as BookingApi from "../src/api/BookingApi.ts"
import { inMemoryLayer } from "../src/main.ts"
import { testSecurity } from "./support/Fixtures.ts"

ServiceSuite.httpApi({
  service: "booking",
  app: BookingApi.make,
  layer: Layer.merge(inMemoryLayer(), testSecurity()),
  storeName: "redis",
  adminAuthorization: TestIssuer.bearer("ann", ["ops", "admin"]),
})
