#!/usr/bin/env bash
# Builds SeaweedFS (Apache-2.0), the local stack's S3-compatible server, from the Go module proxy and caches the
# `weed` binary outside the repo, keyed by the pinned module version: a clean clone reuses it, and only a
# version change triggers a rebuild. Prints the binary's path on stdout (last line); progress goes to stderr.
set -euo pipefail
version="${SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
module="github.com/seaweedfs/seaweedfs/weed"
export PATH="/usr/local/go/bin:$PATH"

cache_root="${FOURSIGNALS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/foursignals}"
out_dir="$cache_root/seaweedfs/$version"
binary="$out_dir/weed"

if [[ -x "$binary" ]]; then
  echo "seaweedfs: cached build $version" >&2
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "seaweedfs: Go is required to build SeaweedFS (expected /usr/local/go/bin/go)" >&2; exit 1; }

mkdir -p "$cache_root/seaweedfs"
tmp="$(mktemp -d "$cache_root/seaweedfs/.build.XXXXXX")"
log="$tmp/build.log"
echo "seaweedfs: building $module@$version (first build downloads modules and compiles: several minutes) ..." >&2
start=$SECONDS
( while sleep 30; do echo "seaweedfs: still building ($((SECONDS - start)) s) ..." >&2; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null; rm -rf "$tmp"' EXIT
# `go install module/weed@version` is refused because SeaweedFS's go.mod has replace directives, so fetch the
# module source through the Go module proxy and build it as the main module (its go.sum pins every dependency).
src="$(go mod download -json "${module%/weed}@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -n "$src" && -d "$src/weed" ]] || { echo "seaweedfs: could not download ${module%/weed}@$version" >&2; exit 1; }
# CGO off: a static binary, no C toolchain needed.
( cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/bin/weed" ./weed ) >"$log" 2>&1 || {
  echo "seaweedfs: build FAILED; last lines of the go log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}
mkdir -p "$out_dir"
mv "$tmp/bin/weed" "$binary.tmp" && mv "$binary.tmp" "$binary"
echo "seaweedfs: built in $((SECONDS - start)) s -> $binary" >&2
echo "$binary"
