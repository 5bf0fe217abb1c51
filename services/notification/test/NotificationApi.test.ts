import { TestIssuer } from "@flight/auth/testing"
import { ServiceSuite } from "@flight/bus/testing"
import { Layer } from "effect"
import * as NotificationApi from "../src/api/NotificationApi.ts"
import { serviceLayer } from "../src/main.ts"

ServiceSuite.httpApi({
  service: "notification",
  app: NotificationApi.make,
  layer: Layer.merge(serviceLayer(), TestIssuer.layer()),
  storeName: "in-memory",
  adminAuthorization: TestIssuer.bearer("ann", ["ops", "admin"]),
})
