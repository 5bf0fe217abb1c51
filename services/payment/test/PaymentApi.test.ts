import { ServiceSuite } from "@flight/bus/testing"
import * as PaymentApi from "../src/api/PaymentApi.ts"

ServiceSuite.httpApi({ service: "payment", app: PaymentApi.make, storeName: "postgresql" })
