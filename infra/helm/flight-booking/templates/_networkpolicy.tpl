{{/* The key under `connections` of a service's server of one kind. Call with (list "booking" "redis"). */}}
{{- define "fb.connectionKey" -}}
{{- $service := index . 0 -}}
{{- $kind := index . 1 -}}
{{- if eq $kind "redis" -}}{{ $service }}RedisUrl
{{- else if eq $kind "mongodb" -}}{{ $service }}MongodbUrl
{{- else if eq $kind "postgresql" -}}{{ $service }}DatabaseUrl
{{- else -}}{{ $kind }}Url
{{- end -}}
{{- end -}}

{{/* The labels of the pods an operator runs for a server of this release. Call with (list $ kind). */}}
{{- define "fb.operatorPodLabels" -}}
{{- $root := index . 0 -}}
{{- $kind := index . 1 -}}
{{- if eq $kind "redis" -}}
{{ include "fb.selectorLabels" (list $root "redis") }}
{{- else if eq $kind "rabbitmq" -}}
app.kubernetes.io/name: {{ include "fb.componentName" (list $root "rabbitmq") }}
{{- else if eq $kind "postgresql" -}}
cnpg.io/cluster: {{ include "fb.componentName" (list $root "postgresql") }}
{{- else if eq $kind "mongodb" -}}
app: {{ printf "%s-svc" (include "fb.componentName" (list $root "mongodb")) }}
{{- end -}}
{{- end -}}

{{- define "fb.operatorPort" -}}
{{- get (dict "redis" 6379 "rabbitmq" 5672 "postgresql" 5432 "mongodb" 27017) . -}}
{{- end -}}

{{/* An egress rule to external servers: their CIDRs (any address when none) on their ports. Call with networkPolicy.external.<kind>. */}}
{{- define "fb.externalEgress" }}
    - ports:
        {{- range .ports }}
        - {port: {{ . }}, protocol: TCP}
        {{- end }}
      {{- with .cidrs }}
      to:
        {{- range . }}
        - ipBlock: {cidr: {{ . | quote }}}
        {{- end }}
      {{- end }}
{{- end -}}
