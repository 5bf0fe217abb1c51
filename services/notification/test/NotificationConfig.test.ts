/**
 * The notification service's configuration: the tests every service makes (`ConfigSuite`), with its
 * optional PostgreSQL history and SMTP server beside the bus.
 */
import { ConfigSuite } from "@flight/runtime/testing"
import { NotificationConfig } from "../src/infrastructure/NotificationConfig.ts"

ConfigSuite.describe({
  service: "notification",
  config: NotificationConfig,
  port: 3004,
  urls: [
    ConfigSuite.rabbitmqUrl,
    ConfigSuite.databaseUrl,
    ConfigSuite.url("SMTP_URL", "smtpUrl", ["smtp:", "smtps:"], "smtp.example:465", "http:"),
  ],
  productionRequires: [{ RABBITMQ_URL: "amqp://broker", AUTH_ISSUER: "https://id.example", AUTH_GUEST_ISSUER: "https://booking.example" }],
})
