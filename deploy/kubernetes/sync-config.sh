#!/usr/bin/env bash
# Copies the collector configuration (otel-collector/config.yaml and overlays/*.yaml) into the kustomize base, so
# `kubectl apply -k` works without --load-restrictor and the cluster runs the SAME files as the local stack and
# docker-compose. The deploy tests fail when the copies drift: run this after changing the collector config.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$root/deploy/kubernetes/base/collector/config"
mkdir -p "$dest"
rm -f "$dest"/*.yaml
cp "$root/otel-collector/config.yaml" "$dest/config.yaml"
for f in "$root"/otel-collector/overlays/*.yaml; do cp "$f" "$dest/$(basename "$f")"; done
echo "synced $(ls "$dest" | wc -l) files into ${dest#"$root"/}" >&2
