/**
 * The flight service's configuration, from the environment. A bad value fails naming the variable;
 * with APP_ENV=production the real adapters are required, since in-memory state would be lost on
 * every restart and an in-process bus reaches no other service.
 */
import { AuthConfig } from "@flight/auth"
import { AppConfig } from "@flight/runtime"
import { Config, type Option, type Redacted } from "effect"
import * as MongoStore from "./MongoStore.ts"

export interface FlightConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** MongoDB when set; the in-memory store otherwise. */
  readonly mongodbUrl: Option.Option<MongoStore.MongoUrl>
  /** RabbitMQ when set; the in-process bus otherwise. */
  readonly rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>
  /** Whose tokens it accepts (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, AUTH_ROLES_CLAIM). */
  readonly auth: AuthConfig.ServiceSettings
}

export const defaultPort = 3002

export const FlightConfig: Config.Config<FlightConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  mongodbUrl: MongoStore.optionalUrl("MONGODB_URL"),
  rabbitmqUrl: AppConfig.rabbitmqUrl,
  auth: AuthConfig.service,
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [
  AppConfig.storeRequirement("MONGODB_URL", config.mongodbUrl),
  AppConfig.brokerRequirement(config.rabbitmqUrl),
  AuthConfig.issuerRequirement(config.auth),
])))
