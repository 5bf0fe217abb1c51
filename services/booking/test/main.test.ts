import { ServiceSuite } from "@flight/bus/testing"

ServiceSuite.runAlone({
  service: "booking",
  main: new URL("../src/main.ts", import.meta.url).pathname,
  store: { variable: "REDIS_URL", label: "Redis" },
})
