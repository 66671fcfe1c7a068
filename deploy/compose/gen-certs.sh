#!/usr/bin/env bash
# Makes a private CA, a server certificate for the collector gateway, and a random bearer token, for trying the
# TLS + auth set-up (docker-compose, Kubernetes, tests). Production: use your own CA or cert-manager instead.
#   deploy/compose/gen-certs.sh [OUT_DIR] [DNS_NAME ...]
# Defaults: OUT_DIR=deploy/compose/secrets, names: collector otel-gateway otel-gateway.observability.svc
#   otel-gateway.observability.svc.cluster.local otel-gateway-headless.observability.svc localhost (+ IP 127.0.0.1).
# Writes ca.crt, ca.key, tls.crt, tls.key, token (mode 600 for keys and token). Existing files are kept unless
# FORCE=1, so re-running never rotates a deployed secret by accident.
set -euo pipefail
out="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets}"
shift || true
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  names=(collector otel-gateway otel-gateway.observability.svc otel-gateway.observability.svc.cluster.local
    otel-gateway-headless.observability.svc localhost)
fi
mkdir -p "$out"
if [[ -f "$out/tls.crt" && "${FORCE:-0}" != 1 ]]; then
  echo "gen-certs: $out/tls.crt exists; FORCE=1 to replace" >&2
  exit 0
fi
umask 077
san="IP:127.0.0.1"
for n in "${names[@]}"; do san="$san,DNS:$n"; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=foursignals collector CA" -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=${names[0]}" -keyout "$out/tls.key" -out "$out/tls.csr" 2>/dev/null
openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days 397 \
  -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$san") \
  -out "$out/tls.crt" 2>/dev/null
rm -f "$out/tls.csr" "$out/ca.srl"
# 32 random bytes, hex: no characters that need escaping in headers or env files.
openssl rand -hex 32 > "$out/token"
# The collector image runs as uid 65532 and compose bind-mounts secret files as they are, so the files it reads are
# 0644 inside a 0700 folder: the folder keeps other host users out, the container still reads its mount.
chmod 700 "$out"
chmod 644 "$out/ca.crt" "$out/tls.crt" "$out/tls.key" "$out/token"
chmod 600 "$out/ca.key"
echo "gen-certs: wrote ca.crt tls.crt tls.key token to $out (SANs: $san)" >&2
