/**
 * The booking service's configuration, from the environment. A bad value fails naming the
 * variable; with APP_ENV=production the real adapters are required, since in-memory state would be
 * lost on every restart and an in-process bus reaches no other service.
 */
import { AuthConfig } from "@flight/auth"
import { AppConfig } from "@flight/runtime"
import { Config, type Duration, type Option, type Redacted } from "effect"

export interface BookingConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** Redis when set; the in-memory store otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** RabbitMQ when set; the in-process bus otherwise. */
  readonly rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>
  /** How long a new booking holds its seats before it expires (BOOKING_HOLD_TTL). */
  readonly holdTtl: Duration.Duration
  /** Whose tokens it accepts (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, AUTH_ROLES_CLAIM). */
  readonly auth: AuthConfig.ServiceSettings
}

export const defaultPort = 3001

export const BookingConfig: Config.Config<BookingConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  redisUrl: AppConfig.optionalUrl("REDIS_URL", ["redis:", "rediss:"]),
  rabbitmqUrl: AppConfig.optionalUrl("RABBITMQ_URL", ["amqp:", "amqps:"]),
  holdTtl: AppConfig.duration("BOOKING_HOLD_TTL", "15 minutes"),
  auth: AuthConfig.service,
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [
  AppConfig.storeRequirement("REDIS_URL", config.redisUrl),
  AppConfig.brokerRequirement(config.rabbitmqUrl),
  AuthConfig.issuerRequirement(config.auth),
])))
