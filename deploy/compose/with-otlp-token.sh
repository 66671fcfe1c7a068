#!/bin/sh
# Entry point of the Node images (receivers, demo): turns the bearer-token FILE (a compose secret or a Kubernetes
# Secret volume) into the standard OTEL_EXPORTER_OTLP_HEADERS (OTel SDKs) and FOURSIGNALS_OTLP_TOKEN (the receivers'
# config: `Authorization: Bearer ${env:FOURSIGNALS_OTLP_TOKEN}`), then runs the command. The token never appears in
# a compose file, a manifest or `docker inspect`; rotating it means replacing the file and restarting the process.
set -eu
if [ -n "${FOURSIGNALS_OTLP_TOKEN_FILE:-}" ]; then
  token="$(tr -d '\r\n' < "$FOURSIGNALS_OTLP_TOKEN_FILE")"
  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20${token}${OTEL_EXPORTER_OTLP_HEADERS:+,$OTEL_EXPORTER_OTLP_HEADERS}"
  FOURSIGNALS_OTLP_TOKEN="$token"
  export OTEL_EXPORTER_OTLP_HEADERS FOURSIGNALS_OTLP_TOKEN
fi
exec "$@"
