import { ServiceSuite } from "@flight/bus/testing"

ServiceSuite.runAlone({
  service: "flight",
  main: new URL("../src/main.ts", import.meta.url).pathname,
  store: { variable: "MONGODB_URL", label: "MongoDB" },
})
