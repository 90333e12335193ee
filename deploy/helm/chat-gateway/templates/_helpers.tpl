{{/* Names and the figures derived from values, each computed in one place. */}}

{{- define "chat-gateway.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chat-gateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "chat-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chat-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "chat-gateway.labels" -}}
{{ include "chat-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "chat-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "chat-gateway.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "chat-gateway.secretName" -}}
{{- default (printf "%s-secrets" (include "chat-gateway.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Memory request (MiB): the base footprint plus the measured cost of connectionsPerPod connections. */}}
{{- define "chat-gateway.memoryRequestMiB" -}}
{{- $s := .Values.sizing -}}
{{- add (int $s.baseMemoryMiB) (div (mul (int .Values.connectionsPerPod) (int $s.memoryPerConnectionKiB)) 1024) -}}
{{- end -}}

{{- define "chat-gateway.memoryLimitMiB" -}}
{{- $request := int (include "chat-gateway.memoryRequestMiB" .) -}}
{{- add $request (div (mul $request (int .Values.sizing.limitOverRequestPercent)) 100) -}}
{{- end -}}

{{/*
The grace period counts from before the preStop hook: the sleep, then the node's own bounded shutdown (the
drain over DRAIN_WINDOW, at most 15 s more for it, then 10 s to close: GatewayMain), then a margin.
*/}}
{{- define "chat-gateway.shutdownSeconds" -}}
{{- add (int .Values.drain.windowSeconds) 25 -}}
{{- end -}}

{{- define "chat-gateway.gracePeriodSeconds" -}}
{{- add (int .Values.drain.preStopSleepSeconds) (int (include "chat-gateway.shutdownSeconds" .)) (int .Values.drain.marginSeconds) -}}
{{- end -}}

{{/* Scale out when pods average this many connections. */}}
{{- define "chat-gateway.targetConnections" -}}
{{- div (mul (int .Values.connectionsPerPod) (int .Values.autoscaling.targetConnectionsPercent)) 100 -}}
{{- end -}}

{{/* Which Redis: one of url, sentinel, cluster (none: embedded, one pod). */}}
{{- define "chat-gateway.redisMode" -}}
{{- $r := .Values.redis -}}
{{- $modes := list -}}
{{- if $r.url }}{{ $modes = append $modes "url" }}{{ end -}}
{{- if $r.sentinel.nodes }}{{ $modes = append $modes "sentinel" }}{{ end -}}
{{- if $r.cluster.nodes }}{{ $modes = append $modes "cluster" }}{{ end -}}
{{- if .Values.demo.redis.enabled }}{{ $modes = append $modes "demo" }}{{ end -}}
{{- if gt (len $modes) 1 -}}
{{- fail (printf "redis: set only one of redis.url, redis.sentinel.nodes, redis.cluster.nodes, demo.redis.enabled (set: %s)" (join ", " $modes)) -}}
{{- end -}}
{{- if eq (len $modes) 0 }}embedded{{ else }}{{ first $modes }}{{ end -}}
{{- end -}}
