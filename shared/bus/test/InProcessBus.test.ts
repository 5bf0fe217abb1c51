import { contractSuite } from "./MessageBus.contract.ts"
import { inProcess } from "./support/Harness.ts"

contractSuite(inProcess)
