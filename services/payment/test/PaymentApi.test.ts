import { TestIssuer } from "@flight/auth/testing"
import { ServiceSuite } from "@flight/bus/testing"
import { Layer } from "effect"
import * as PaymentApi from "../src/api/PaymentApi.ts"
import { inMemoryLayer } from "../src/main.ts"

ServiceSuite.httpApi({
  service: "payment",
  app: PaymentApi.make,
  layer: Layer.merge(inMemoryLayer(), TestIssuer.layer()),
  storeName: "postgresql",
  adminAuthorization: TestIssuer.bearer("ann", ["ops", "admin"]),
})
