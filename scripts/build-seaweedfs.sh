#!/usr/bin/env bash
# Builds SeaweedFS (Apache-2.0), the local stack's S3-compatible server, from the Go module proxy and caches the
# `weed` binary outside the repo, keyed by the pinned module version and the plug-ins left out: a clean clone
# reuses it, and only a change of either triggers a rebuild. Prints the binary's path on stdout (last line);
# progress goes to stderr. Two runs at once (e.g. `npm start` and `npm run stack -- up`) build once: the second
# waits for the first.
set -euo pipefail
version="${SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
module="github.com/seaweedfs/seaweedfs/weed"
export PATH="/usr/local/go/bin:$PATH"

# Plug-ins the stack never uses (it runs one `weed server` with the default leveldb2 filer store, a static S3
# identity file and no tiering, KMS, notification queue or replication sink). Their blank imports are dropped
# from a copy of the source before the build, which leaves out their client
# libraries (cloud SDKs, database drivers, rclone): about half of the first build's downloads and compile time.
unused_plugins='remote_storage/(azure|gcs|s3)|replication/sink/(azuresink|b2sink|gcssink|s3sink)'
unused_plugins+='|filer/(arangodb|cassandra2?|elastic/v7|etcd|foundationdb|hbase|mongodb|mysql2?|postgres2?|redis[23]?|sqlite|tarantool|tikv|ydb)'
unused_plugins+='|notification/(aws_sqs|gocdk_pub_sub|google_pub_sub|kafka)|storage/backend/rclone_backend'
unused_plugins+='|kms/(aws|gcp|openbao)|credential/postgres'
trimmed_files=(weed/command/imports.go weed/server/filer_server.go weed/storage/backend/all/all.go
  weed/s3api/auth_credentials.go weed/command/filer.go weed/command/iam.go)

cache_root="${FOURSIGNALS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/foursignals}"
key="$version-$(printf '%s' "$unused_plugins" | sha256sum | cut -c1-8)"
out_dir="$cache_root/seaweedfs/$key"
binary="$out_dir/weed"

if [[ -x "$binary" ]]; then
  echo "seaweedfs: cached build $key" >&2
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "seaweedfs: Go is required to build SeaweedFS (expected /usr/local/go/bin/go)" >&2; exit 1; }

mkdir -p "$cache_root/seaweedfs"
exec 9>"$cache_root/seaweedfs/.build.lock"
if ! flock -n 9; then
  echo "seaweedfs: another build of SeaweedFS is running; waiting for it ..." >&2
  flock 9
  if [[ -x "$binary" ]]; then
    echo "seaweedfs: built by the other run -> $binary" >&2
    echo "$binary"
    exit 0
  fi
fi
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
# A writable copy to trim (files in the module cache are read-only, and `go build -overlay` refuses to replace them).
cp -r "$src" "$tmp/src" && chmod -R u+w "$tmp/src"
for f in "${trimmed_files[@]}"; do
  if [[ -f "$tmp/src/$f" ]]; then sed -E -i "\#^[[:space:]]*_ \"github.com/seaweedfs/seaweedfs/weed/($unused_plugins)\"#d" "$tmp/src/$f"; fi
done
# CGO off: a static binary, no C toolchain needed.
( cd "$tmp/src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/bin/weed" ./weed ) >"$log" 2>&1 || {
  echo "seaweedfs: build FAILED; last lines of the go log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}
mkdir -p "$out_dir"
mv "$tmp/bin/weed" "$binary.tmp" && mv "$binary.tmp" "$binary"
echo "seaweedfs: built in $((SECONDS - start)) s -> $binary" >&2
echo "$binary"
