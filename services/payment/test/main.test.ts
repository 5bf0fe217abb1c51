import { ServiceSuite } from "@flight/bus/testing"

ServiceSuite.runAlone({
  service: "payment",
  main: new URL("../src/main.ts", import.meta.url).pathname,
  store: { variable: "DATABASE_URL", label: "PostgreSQL" },
})
