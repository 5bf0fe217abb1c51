import { ServiceSuite } from "@flight/bus/testing"
import * as NotificationApi from "../src/api/NotificationApi.ts"
import { serviceLayer } from "../src/main.ts"

ServiceSuite.httpApi({ service: "notification", app: NotificationApi.make, layer: serviceLayer(), storeName: "in-memory" })
