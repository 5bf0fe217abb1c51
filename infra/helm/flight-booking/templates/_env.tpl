{{/*
The environment of each service (README "Configuration"). Every secret comes from a Secret: the
chart's own (values given as `value`), one of yours (`secretRef`), or one an operator makes.
*/}}

{{/* The Secret and key of a {value, secretRef} item, as YAML, or nothing when it is not given. Call with dict root path item key. */}}
{{- define "fb.secretSource" -}}
{{- $item := .item | default dict -}}
{{- $ref := $item.secretRef | default dict -}}
{{- if and $item.value $ref.name -}}
{{- fail (printf "%s: give either value or secretRef, not both" .path) -}}
{{- else if $item.value -}}
name: {{ include "fb.componentName" (list .root "config") }}
key: {{ .key }}
{{- else if $ref.name -}}
name: {{ $ref.name }}
key: {{ required (printf "%s.secretRef.key is required with secretRef.name" .path) $ref.key }}
{{- end -}}
{{- end -}}

{{/* An env entry read from a Secret. Call with dict name source (a dict name key). */}}
{{- define "fb.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .source.name }}
      key: {{ .source.key | quote }}
{{- end -}}

{{/* An optional or required secret variable. Call with dict root name path item key [required]. */}}
{{- define "fb.secretVariable" -}}
{{- $source := fromYaml (include "fb.secretSource" .) -}}
{{- if $source.name -}}
{{ include "fb.secretEnv" (dict "name" .name "source" $source) }}
{{- else if .required -}}
{{- fail (printf "%s is required: %s; set %s.value or %s.secretRef (name and key)" .path .required .path .path) -}}
{{- end -}}
{{- end -}}

{{/*
A store's URL: the value or Secret given, or else the server of the enabled operator resource of
its kind; neither stops the render. Call with dict root name path item key kind why.
*/}}
{{- define "fb.storeVariable" -}}
{{- $root := .root -}}
{{- $source := fromYaml (include "fb.secretSource" .) -}}
{{- $operator := index $root.Values.operators .kind -}}
{{- $namespace := $root.Release.Namespace -}}
{{- if $source.name -}}
{{ include "fb.secretEnv" (dict "name" .name "source" $source) }}
{{- else if not $operator.enabled -}}
{{- fail (printf "%s is required: %s (%s); set %s.value or %s.secretRef (name and key), or enable operators.%s" .path .why .name .path .path .kind) -}}
{{- else if eq .kind "redis" -}}
{{- $password := fromYaml (include "fb.secretSource" (dict "root" $root "path" "operators.redis.password" "item" $operator.password "key" "redisPassword")) -}}
{{ include "fb.secretEnv" (dict "name" "REDIS_PASSWORD" "source" $password) }}
- name: {{ .name }}
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s.%s.svc:6379" (include "fb.componentName" (list $root "redis")) $namespace | quote }}
{{- else if eq .kind "rabbitmq" -}}
{{- $secret := printf "%s-default-user" (include "fb.componentName" (list $root "rabbitmq")) -}}
{{ include "fb.secretEnv" (dict "name" "RABBITMQ_USERNAME" "source" (dict "name" $secret "key" "username")) }}
{{ include "fb.secretEnv" (dict "name" "RABBITMQ_PASSWORD" "source" (dict "name" $secret "key" "password")) }}
- name: {{ .name }}
  value: {{ printf "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@%s.%s.svc:5672" (include "fb.componentName" (list $root "rabbitmq")) $namespace | quote }}
{{- else if eq .kind "postgresql" -}}
{{ include "fb.secretEnv" (dict "name" .name "source" (dict "name" (printf "%s-app" (include "fb.componentName" (list $root "postgresql"))) "key" "uri")) }}
{{- else if eq .kind "mongodb" -}}
{{ include "fb.secretEnv" (dict "name" .name "source" (dict "name" (include "fb.mongodbConnectionSecret" $root) "key" "connectionString.standard")) }}
{{- end -}}
{{- end -}}

{{- define "fb.mongodbConnectionSecret" -}}
{{- printf "%s-%s" (include "fb.componentName" (list . "mongodb")) .Values.operators.mongodb.user | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The verifying side of the services that check tokens themselves. */}}
{{- define "fb.authEnv" -}}
- {name: AUTH_ISSUER, value: {{ include "fb.issuer" . | quote }}}
- {name: AUTH_AUDIENCE, value: {{ .Values.auth.audience | quote }}}
- {name: AUTH_ROLES_CLAIM, value: {{ .Values.auth.rolesClaim | quote }}}
- {name: AUTH_JWKS_URL, value: {{ .Values.auth.jwksUrl | default (printf "%s/api/auth/jwks" (include "fb.serviceUrl" (list . "identity"))) | quote }}}
- {name: AUTH_GUEST_ISSUER, value: {{ include "fb.guestIssuer" . | quote }}}
- {name: AUTH_GUEST_JWKS_URL, value: {{ printf "%s/api/bookings/.well-known/jwks.json" (include "fb.serviceUrl" (list . "booking")) | quote }}}
{{- end -}}

{{- define "fb.clientAddressEnv" -}}
{{- with .Values.clientAddress.header }}
- {name: AUTH_CLIENT_IP_HEADER, value: {{ . | quote }}}
{{- end }}
{{- with .Values.clientAddress.trustedProxies }}
- {name: AUTH_TRUSTED_PROXIES, value: {{ join "," . | quote }}}
{{- end }}
{{- end -}}

{{- define "fb.rabbitmqEnv" -}}
{{ include "fb.storeVariable" (dict "root" . "name" "RABBITMQ_URL" "path" "connections.rabbitmqUrl" "item" .Values.connections.rabbitmqUrl "key" "rabbitmqUrl" "kind" "rabbitmq" "why" "the saga's messages go through RabbitMQ") }}
- {name: RABBITMQ_PREFIX, value: {{ .Values.rabbitmqPrefix | quote }}}
{{- end -}}

{{/* The whole environment of one service. Call with (list $ "booking"). */}}
{{- define "fb.env" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $values := $root.Values -}}
{{- $catalog := fromYaml (include "fb.catalog" $root) -}}
{{- $c := $values.connections -}}
{{- $s := $values.secrets -}}
- {name: PORT, value: {{ (index $catalog $name).port | quote }}}
- {name: APP_ENV, value: {{ $values.appEnv | quote }}}
- {name: LOG_LEVEL, value: {{ $values.logLevel | quote }}}
{{- with $values.otlpEndpoint }}
- {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: {{ . | quote }}}
{{- end }}
{{- with $values.tracesSampler }}
- {name: OTEL_TRACES_SAMPLER, value: {{ . | quote }}}
{{- end }}
{{- with $values.tracesSamplerRatio }}
- {name: OTEL_TRACES_SAMPLER_ARG, value: {{ . | quote }}}
{{- end }}
{{- if eq $name "identity" }}
- {name: AUTH_ISSUER, value: {{ include "fb.issuer" $root | quote }}}
- {name: AUTH_AUDIENCE, value: {{ $values.auth.audience | quote }}}
{{ include "fb.storeVariable" (dict "root" $root "name" "DATABASE_URL" "path" "connections.identityDatabaseUrl" "item" $c.identityDatabaseUrl "key" "identityDatabaseUrl" "kind" "postgresql" "why" "identity keeps the accounts and signing keys in PostgreSQL") }}
{{ include "fb.secretVariable" (dict "root" $root "name" "BETTER_AUTH_SECRET" "path" "secrets.betterAuthSecret" "item" $s.betterAuthSecret "key" "betterAuthSecret" "required" "identity signs sessions and encrypts its signing keys with it") }}
{{- range $variable, $key := dict "SEED_OPS_EMAIL" "seedOpsEmail" "SEED_OPS_PASSWORD" "seedOpsPassword" "SEED_ADMIN_EMAIL" "seedAdminEmail" "SEED_ADMIN_PASSWORD" "seedAdminPassword" }}
{{- with include "fb.secretVariable" (dict "root" $root "name" $variable "path" (printf "secrets.%s" $key) "item" (index $s $key) "key" $key) }}
{{ . }}
{{- end }}
{{- end }}
{{- include "fb.clientAddressEnv" $root }}
{{- else if eq $name "gateway" }}
{{ include "fb.authEnv" $root }}
{{- include "fb.clientAddressEnv" $root }}
{{ include "fb.storeVariable" (dict "root" $root "name" "REDIS_URL" "path" "connections.gatewayRedisUrl" "item" $c.gatewayRedisUrl "key" "gatewayRedisUrl" "kind" "redis" "why" "every gateway instance counts rate limits in the same Redis") }}
{{- range $upstream := list "identity" "booking" "flight" "payment" "notification" "web" }}
- {name: {{ printf "GATEWAY_UPSTREAM_%s" (upper $upstream) }}, value: {{ include "fb.serviceUrl" (list $root $upstream) | quote }}}
{{- end }}
{{- else if eq $name "web" }}
- {name: WEB_API_URL, value: {{ include "fb.serviceUrl" (list $root "gateway") | quote }}}
- {name: WEB_PUBLIC_URL, value: {{ include "fb.publicUrl" $root | quote }}}
{{- include "fb.clientAddressEnv" $root }}
{{ include "fb.storeVariable" (dict "root" $root "name" "REDIS_URL" "path" "connections.webRedisUrl" "item" $c.webRedisUrl "key" "webRedisUrl" "kind" "redis" "why" "every web instance must see the same sessions") }}
{{- else if eq $name "booking" }}
{{ include "fb.authEnv" $root }}
{{- include "fb.clientAddressEnv" $root }}
{{ include "fb.storeVariable" (dict "root" $root "name" "REDIS_URL" "path" "connections.bookingRedisUrl" "item" $c.bookingRedisUrl "key" "bookingRedisUrl" "kind" "redis" "why" "booking keeps the seats and bookings in Redis, their source of truth") }}
{{ include "fb.rabbitmqEnv" $root }}
- {name: BOOKING_GUEST_ISSUER, value: {{ include "fb.guestIssuer" $root | quote }}}
{{ include "fb.secretVariable" (dict "root" $root "name" "BOOKING_GUEST_KEY" "path" "secrets.bookingGuestKey" "item" $s.bookingGuestKey "key" "bookingGuestKey" "required" "every booking instance signs guest tokens with this one key") }}
{{- else if eq $name "flight" }}
{{ include "fb.authEnv" $root }}
{{ include "fb.storeVariable" (dict "root" $root "name" "MONGODB_URL" "path" "connections.flightMongodbUrl" "item" $c.flightMongodbUrl "key" "flightMongodbUrl" "kind" "mongodb" "why" "flight keeps the catalogue in MongoDB") }}
{{ include "fb.rabbitmqEnv" $root }}
{{- else if eq $name "payment" }}
{{ include "fb.authEnv" $root }}
{{ include "fb.storeVariable" (dict "root" $root "name" "DATABASE_URL" "path" "connections.paymentDatabaseUrl" "item" $c.paymentDatabaseUrl "key" "paymentDatabaseUrl" "kind" "postgresql" "why" "payment keeps the payments in PostgreSQL") }}
{{ include "fb.rabbitmqEnv" $root }}
{{- else if eq $name "notification" }}
{{ include "fb.authEnv" $root }}
{{ include "fb.storeVariable" (dict "root" $root "name" "DATABASE_URL" "path" "connections.notificationDatabaseUrl" "item" $c.notificationDatabaseUrl "key" "notificationDatabaseUrl" "kind" "postgresql" "why" "notification keeps its history in PostgreSQL") }}
{{ include "fb.rabbitmqEnv" $root }}
{{- with include "fb.secretVariable" (dict "root" $root "name" "SMTP_URL" "path" "connections.smtpUrl" "item" $c.smtpUrl "key" "smtpUrl") }}
{{ . }}
{{- end }}
{{- end }}
{{- range $variable, $value := (fromYaml (include "fb.serviceValues" .)).env }}
- {name: {{ $variable }}, value: {{ $value | toString | quote }}}
{{- end }}
{{- end -}}
