import { ServiceSuite } from "@flight/bus/testing"
import * as BookingApi from "../src/api/BookingApi.ts"
import { inMemoryLayer } from "../src/main.ts"

ServiceSuite.httpApi({ service: "booking", app: BookingApi.make, layer: inMemoryLayer(), storeName: "redis" })
