/**
 * The payment service's configuration, from the environment. A bad value fails naming the variable;
 * with APP_ENV=production the real adapters are required, since in-memory state would be lost on
 * every restart and an in-process bus reaches no other service.
 */
import { AppConfig } from "@flight/runtime"
import { Config, type Option, type Redacted } from "effect"

export interface PaymentConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** PostgreSQL when set; the in-memory store otherwise. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<URL>>
  /** RabbitMQ when set; the in-process bus otherwise. */
  readonly rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>
}

export const defaultPort = 3003

export const PaymentConfig: Config.Config<PaymentConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  databaseUrl: AppConfig.databaseUrl,
  rabbitmqUrl: AppConfig.rabbitmqUrl,
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [AppConfig.storeRequirement("DATABASE_URL", config.databaseUrl), AppConfig.brokerRequirement(config.rabbitmqUrl)])))
