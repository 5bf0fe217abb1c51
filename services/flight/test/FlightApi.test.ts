import { TestIssuer } from "@flight/auth/testing"
import { ServiceSuite } from "@flight/bus/testing"
import { Layer } from "effect"
import * as FlightApi from "../src/api/FlightApi.ts"
import { inMemoryLayer } from "../src/main.ts"

ServiceSuite.httpApi({
  service: "flight",
  app: FlightApi.make,
  layer: Layer.merge(inMemoryLayer, TestIssuer.layer()),
  storeName: "mongodb",
  adminAuthorization: TestIssuer.bearer("ann", ["ops", "admin"]),
})
