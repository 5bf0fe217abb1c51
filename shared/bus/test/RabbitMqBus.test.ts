import { contractSuite } from "./MessageBus.contract.ts"
import { rabbitMq } from "./support/Harness.ts"
import { describeWith } from "./support/RealServer.ts"

describeWith("RABBITMQ_URL", "RabbitMQ adapter", (url) => contractSuite(rabbitMq(url)))
