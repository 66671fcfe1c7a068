#!/usr/bin/env bash
# Builds our collector distribution with the OpenTelemetry Collector Builder and caches the binary outside the
# repo, keyed by the manifest's hash: a clean clone reuses it, and only a manifest change triggers a rebuild.
# Prints the binary's path on stdout (last line); progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="$here/builder-config.yaml"
builder_version="v0.161.0"
export PATH="/usr/local/go/bin:$PATH"

cache_root="${FOURSIGNALS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/foursignals}"
# Our own components (components/, referenced by `path:` in the manifest) are part of the build's identity.
key="$( (cat "$manifest"; cd "$here" && find components -type f | LC_ALL=C sort | xargs -r cat; echo "builder=$builder_version"; go env GOVERSION) | sha256sum | cut -c1-16)"
out_dir="$cache_root/collector/$key"
binary="$out_dir/otelcol-foursignals"

if [[ -x "$binary" ]]; then
  echo "collector: cached build $key" >&2
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "collector: Go is required to build the collector (expected /usr/local/go/bin/go)" >&2; exit 1; }

# Two runs at once (e.g. `npm start` and `npm run stack -- up`) build once: the second waits for the first.
mkdir -p "$cache_root/collector"
exec 9>"$cache_root/collector/.build.lock"
if ! flock -n 9; then
  echo "collector: another build of the collector is running; waiting for it ..." >&2
  flock 9
  if [[ -x "$binary" ]]; then
    echo "collector: built by the other run -> $binary" >&2
    echo "$binary"
    exit 0
  fi
fi

start=$SECONDS
( while sleep 30; do echo "collector: still building ($((SECONDS - start)) s) ..." >&2; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null' EXIT

builder="$cache_root/bin/builder-$builder_version"
if [[ ! -x "$builder" ]]; then
  echo "collector: installing the OpenTelemetry Collector Builder $builder_version ..." >&2
  mkdir -p "$cache_root/bin"
  GOBIN="$cache_root/bin/.tmp-$$" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version" >&2
  mv "$cache_root/bin/.tmp-$$/builder" "$builder"
  rmdir "$cache_root/bin/.tmp-$$"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/otelcol-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
sed "s#output_path: .*#output_path: $work/out#" "$manifest" > "$work/manifest.yaml"
echo "collector: building $key (first build downloads modules and compiles: several minutes) ..." >&2
trap 'kill $ticker 2>/dev/null; rm -rf "$work"' EXIT
# From here, so that the manifest's `path: ./components/...` resolve.
(cd "$here" && "$builder" --config "$work/manifest.yaml") >"$work/build.log" 2>&1 || {
  echo "collector: build FAILED; last lines of the builder log:" >&2
  tail -n 40 "$work/build.log" >&2
  exit 1
}
mkdir -p "$out_dir"
cp "$work/out/otelcol-foursignals" "$binary.tmp" && mv "$binary.tmp" "$binary"
cp "$manifest" "$out_dir/builder-config.yaml"
echo "collector: built in $((SECONDS - start)) s -> $binary" >&2
echo "$binary"
