import { ServiceSuite } from "@flight/bus/testing"
import * as NotificationApi from "../src/api/NotificationApi.ts"

ServiceSuite.httpApi({ service: "notification", app: NotificationApi.make, storeName: "in-memory" })
