import { ServiceSuite } from "@flight/bus/testing"
import * as FlightApi from "../src/api/FlightApi.ts"

ServiceSuite.httpApi({ service: "flight", app: FlightApi.make, storeName: "mongodb" })
