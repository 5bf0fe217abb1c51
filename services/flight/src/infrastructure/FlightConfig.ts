/**
 * The flight service's configuration, from the environment. A bad value fails naming the variable;
 * with APP_ENV=production the real adapters are required, since in-memory state would be lost on
 * every restart and an in-process bus reaches no other service.
 */
import { AppConfig } from "@flight/runtime"
import { Config, ConfigError, Either, Option, type Redacted } from "effect"

export interface FlightConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** MongoDB when set; the in-memory store otherwise. */
  readonly mongodbUrl: Option.Option<Redacted.Redacted<URL>>
  /** RabbitMQ when set; the in-process bus otherwise. */
  readonly rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>
}

export const defaultPort = 3002

const required = (variable: string, why: string) =>
  ConfigError.MissingData([variable], `must be set when APP_ENV=production (${why})`)

const requiredInProduction = (config: FlightConfig): Either.Either<FlightConfig, ConfigError.ConfigError> => {
  if (config.appEnv !== "production") return Either.right(config)
  const missing: Array<ConfigError.ConfigError> = []
  if (Option.isNone(config.mongodbUrl)) missing.push(required("MONGODB_URL", "the in-memory store loses its data on restart"))
  if (Option.isNone(config.rabbitmqUrl)) missing.push(required("RABBITMQ_URL", "the in-process bus reaches no other service"))
  return missing.length === 0 ? Either.right(config) : Either.left(missing.reduce((left, right) => ConfigError.And(left, right)))
}

export const FlightConfig: Config.Config<FlightConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  mongodbUrl: AppConfig.optionalUrl("MONGODB_URL", ["mongodb:", "mongodb+srv:"]),
  rabbitmqUrl: AppConfig.optionalUrl("RABBITMQ_URL", ["amqp:", "amqps:"]),
}).pipe(Config.mapOrFail(requiredInProduction))
