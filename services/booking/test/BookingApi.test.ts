import { ServiceSuite } from "@flight/bus/testing"
import * as BookingApi from "../src/api/BookingApi.ts"

ServiceSuite.httpApi({ service: "booking", app: BookingApi.make, storeName: "redis" })
