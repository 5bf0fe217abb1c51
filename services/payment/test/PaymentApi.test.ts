import { ServiceSuite } from "@flight/bus/testing"
import * as PaymentApi from "../src/api/PaymentApi.ts"
import { inMemoryLayer } from "../src/main.ts"

ServiceSuite.httpApi({ service: "payment", app: PaymentApi.make, layer: inMemoryLayer(), storeName: "postgresql" })
