import { ServiceSuite } from "@flight/bus/testing"

ServiceSuite.runAlone({
  service: "notification",
  main: new URL("../src/main.ts", import.meta.url).pathname,
})
