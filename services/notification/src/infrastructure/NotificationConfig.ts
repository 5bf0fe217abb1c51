/**
 * The notification service's configuration, from the environment. A bad value fails naming the
 * variable; with APP_ENV=production RabbitMQ is required, since an in-process bus reaches no other
 * service.
 */
import { AuthConfig } from "@flight/auth"
import { AppConfig } from "@flight/runtime"
import { Config, type Option, type Redacted } from "effect"

export interface NotificationConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** RabbitMQ when set; the in-process bus otherwise. */
  readonly rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>
  /** PostgreSQL for the history, the contacts and the claims when set; in memory otherwise. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<URL>>
  /** The SMTP server email goes through when set; email is recorded only otherwise. */
  readonly smtpUrl: Option.Option<Redacted.Redacted<URL>>
  /** Whose tokens it accepts (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, AUTH_ROLES_CLAIM). */
  readonly auth: AuthConfig.ServiceSettings
}

export const defaultPort = 3004

export const NotificationConfig: Config.Config<NotificationConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  rabbitmqUrl: AppConfig.rabbitmqUrl,
  databaseUrl: AppConfig.databaseUrl,
  smtpUrl: AppConfig.optionalUrl("SMTP_URL", ["smtp:", "smtps:"]),
  auth: AuthConfig.service,
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [
  AppConfig.brokerRequirement(config.rabbitmqUrl),
  AuthConfig.issuerRequirement(config.auth),
  // Guests read their booking's notifications with the booking service's tokens.
  AuthConfig.guestIssuerRequirement(config.auth),
])))
