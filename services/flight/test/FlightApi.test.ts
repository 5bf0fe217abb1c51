import { ServiceSuite } from "@flight/bus/testing"
import * as FlightApi from "../src/api/FlightApi.ts"
import { inMemoryLayer } from "../src/main.ts"

ServiceSuite.httpApi({ service: "flight", app: FlightApi.make, layer: inMemoryLayer, storeName: "mongodb" })
