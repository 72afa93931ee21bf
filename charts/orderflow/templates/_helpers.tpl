{{/*
The three services: Dapr app id (also the app's own name) → its values key.
The app ids are fixed: the apps are built to call "payment-service", and the
accessControl policies and component scopes name them.
*/}}
{{- define "orderflow.services" -}}
order-service: orderService
payment-service: paymentService
notification-service: notificationService
{{- end }}

{{- define "orderflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orderflow.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orderflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orderflow.labels" -}}
helm.sh/chart: {{ include "orderflow.chart" . }}
{{ include "orderflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: orderflow
{{- end }}

{{- define "orderflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orderflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one service's objects. Call with (dict "root" $ "id" "order-service"). */}}
{{- define "orderflow.serviceLabels" -}}
{{ include "orderflow.labels" .root }}
app.kubernetes.io/component: {{ .id }}
{{- end }}

{{- define "orderflow.serviceSelectorLabels" -}}
{{ include "orderflow.selectorLabels" .root }}
app.kubernetes.io/component: {{ .id }}
{{- end }}

{{/* <fullname>-<app id>: the Deployment, Service, ServiceAccount, ... of one service. */}}
{{- define "orderflow.serviceName" -}}
{{- printf "%s-%s" (include "orderflow.fullname" .root) .id | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Dapr Configuration of one service (its accessControl is the callee's). */}}
{{- define "orderflow.daprConfigName" -}}
{{- printf "%s-%s" (include "orderflow.fullname" .root) .id | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orderflow.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}
{{- include "orderflow.serviceName" . }}
{{- else }}
{{- "default" }}
{{- end }}
{{- end }}

{{/* <registry>/<repository>/<app id>:<tag>|@<digest> */}}
{{- define "orderflow.image" -}}
{{- $image := .root.Values.image }}
{{- $ref := printf "%s/%s" (trimSuffix "/" $image.repository) .id }}
{{- if $image.registry }}
{{- $ref = printf "%s/%s" (trimSuffix "/" $image.registry) $ref }}
{{- end }}
{{- if $image.digest }}
{{- printf "%s@%s" $ref $image.digest }}
{{- else }}
{{- printf "%s:%s" $ref (default .root.Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* Secret names: yours when existingSecret is set, else the one this chart creates. */}}
{{- define "orderflow.databaseSecretName" -}}
{{- if .Values.database.urls.orderService }}
{{- printf "%s-database" (include "orderflow.fullname" .) }}
{{- else }}
{{- .Values.database.existingSecret }}
{{- end }}
{{- end }}

{{- define "orderflow.kafkaSecretName" -}}
{{- default (printf "%s-kafka" (include "orderflow.fullname" .)) .Values.kafka.auth.existingSecret }}
{{- end }}

{{- define "orderflow.smtpSecretName" -}}
{{- default (printf "%s-smtp" (include "orderflow.fullname" .)) .Values.smtp.auth.existingSecret }}
{{- end }}

{{/* The ConfigMap with auth.caCert, the CA(s) of the customers' issuer (templates/configmap-issuer-ca.yaml). */}}
{{- define "orderflow.issuerCaConfigMapName" -}}
{{- printf "%s-issuer-ca" (include "orderflow.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Where order-service's container finds it (NODE_EXTRA_CA_CERTS). */}}
{{- define "orderflow.issuerCaFile" -}}
/etc/orderflow/issuer-ca/ca.crt
{{- end }}

{{/* One token Secret per service and direction. Call with (dict "root" $ "id" "order-service"). */}}
{{- define "orderflow.apiTokenSecretName" -}}
{{- $own := printf "%s-dapr-api-token" (include "orderflow.serviceName" .) }}
{{- default $own (index .root.Values.dapr.apiToken.existingSecrets .id) }}
{{- end }}

{{- define "orderflow.appTokenSecretName" -}}
{{- $own := printf "%s-app-api-token" (include "orderflow.serviceName" .) }}
{{- default $own (index .root.Values.dapr.appToken.existingSecrets .id) }}
{{- end }}

{{/* True ("true") when the Kafka component needs a Secret at all. */}}
{{- define "orderflow.kafkaNeedsSecret" -}}
{{- if ne .Values.kafka.auth.type "none" }}true{{ end }}
{{- end }}

{{/* order-service's SERVICE_CALLERS: the callers through Dapr trusted as services. */}}
{{- define "orderflow.serviceCallers" -}}
{{- $trusted := list }}
{{- range .Values.dapr.accessControl.orderServiceCallers }}
{{- if .trustedService }}
{{- $trusted = append $trusted .appId }}
{{- end }}
{{- end }}
{{- join "," ($trusted | uniq) }}
{{- end }}

{{/*
A random token that survives upgrades: the value already in the cluster when
there is one (lookup answers nothing in `helm template` and dry runs).
*/}}
{{- define "orderflow.persistentToken" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- if and $existing $existing.data (index $existing.data "token") }}
{{- index $existing.data "token" | b64dec }}
{{- else }}
{{- randAlphaNum 48 }}
{{- end }}
{{- end }}

{{/*
Pod termination: the app gets SIGTERM and up to shutdownTimeoutMs to finish
in-flight work; the grace period leaves room for that and for daprd's drain.
*/}}
{{- define "orderflow.terminationGracePeriodSeconds" -}}
{{- $app := add (div (add .Values.app.shutdownTimeoutMs 999) 1000) 5 }}
{{- $dapr := add .Values.dapr.gracefulShutdownSeconds 5 }}
{{- max $app $dapr }}
{{- end }}

{{/* sha256 of the rendered files (names under templates/). */}}
{{- define "orderflow.checksum" -}}
{{- $rendered := list }}
{{- range .files }}
{{- $rendered = append $rendered (include (print $.root.Template.BasePath "/" .) $.root) }}
{{- end }}
{{- join "\n---\n" $rendered | sha256sum }}
{{- end }}
