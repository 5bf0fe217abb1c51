{{/*
Names, labels, images, and the catalogue of the services: who calls whom and which stores each
uses. The NetworkPolicies, the environment and the gateway's upstreams are all drawn from it.
*/}}

{{- define "fb.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's prefix: the release name, with the chart's name after it unless it is already in it. */}}
{{- define "fb.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one component (a service or a server): "<fullname>-<component>". Call with (list $ "booking"). */}}
{{- define "fb.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "fb.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fb.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "fb.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "fb.labels" -}}
{{- $root := index . 0 -}}
{{ include "fb.selectorLabels" . }}
app.kubernetes.io/part-of: flight-booking
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
The services: port, the services each calls over HTTP (gateway: its upstreams; web: the gateway;
the others: identity's JWKS and booking's guest JWKS), and the kinds of server each reaches.
*/}}
{{- define "fb.catalog" -}}
gateway: {port: 3000, calls: [identity, booking, flight, payment, notification, web], stores: [redis]}
web: {port: 3006, calls: [gateway], stores: [redis]}
identity: {port: 3005, calls: [], stores: [postgresql]}
booking: {port: 3001, calls: [identity], stores: [redis, rabbitmq]}
flight: {port: 3002, calls: [identity, booking], stores: [mongodb, rabbitmq]}
payment: {port: 3003, calls: [identity, booking], stores: [postgresql, rabbitmq]}
notification: {port: 3004, calls: [identity, booking], stores: [postgresql, rabbitmq, smtp]}
{{- end -}}

{{/* One service's settings: `defaults` overlaid with services.<name>. Call with (list $ "booking"); gives YAML. */}}
{{- define "fb.serviceValues" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $own := index $root.Values.services $name | default dict -}}
{{- toYaml (mustMergeOverwrite (deepCopy $root.Values.defaults) (deepCopy $own)) -}}
{{- end -}}

{{/* A service's in-cluster origin, e.g. http://release-flight-booking-identity:3005. */}}
{{- define "fb.serviceUrl" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $catalog := fromYaml (include "fb.catalog" $root) -}}
{{- printf "http://%s:%v" (include "fb.componentName" (list $root $name)) (index $catalog $name).port -}}
{{- end -}}

{{- define "fb.image" -}}
{{- $root := index . 0 -}}
{{- $image := index . 1 -}}
{{- $tag := $image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- printf "%s%s:%s" $root.Values.image.registry $image.repository $tag -}}
{{- end -}}

{{/* publicUrl, required, without a trailing slash. */}}
{{- define "fb.publicUrl" -}}
{{- $url := required "publicUrl is required: the origin customers reach, e.g. https://flights.example.com (identity issues tokens with it; the Ingress serves its host)" .Values.publicUrl -}}
{{- trimSuffix "/" $url -}}
{{- end -}}

{{- define "fb.issuer" -}}
{{- .Values.auth.issuer | default (include "fb.publicUrl" .) -}}
{{- end -}}

{{- define "fb.guestIssuer" -}}
{{- .Values.auth.guestIssuer | default (printf "%s/api/bookings" (include "fb.publicUrl" .)) -}}
{{- end -}}

{{/* The restricted security context of a container: no privilege, no capability, a read-only root. */}}
{{- define "fb.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
