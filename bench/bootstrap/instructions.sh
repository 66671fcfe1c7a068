#!/usr/bin/env bash
# Instructions per request of the bench app, plain and with otel-bootstrap, counted by valgrind's cachegrind: the
# machine's other load does not move them (it moves CPU time, which is what run.ts measures). Per request = the
# difference between a run of FEW and a run of MANY requests (4 connections), so start-up and JIT warm-up cancel.
# Garbage collection is lumpy, so differences under ~2 % are noise: use MANY >= 6000.
#
#   bash bench/bootstrap/instructions.sh [FEW=2500] [MANY=6500]
#   CACHE_SIM=1 bash bench/bootstrap/instructions.sh ...   # also simulated cache misses and estimated cycles
#
# CACHE_SIM=1 adds what instructions alone miss (more allocation means more cache misses): cachegrind's simulated
# L1 and last-level misses, folded into the usual cycle estimate Ir + 10 x L1 misses + 100 x LL misses (the
# weights KCachegrind uses). Still deterministic, about twice as slow.
#
# Needs valgrind (apt-get install valgrind). The export interval is OpenTelemetry's default (60 s); the exporter
# points at a closed port. Takes 5-10 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
FEW=${1:-2500}
MANY=${2:-6500}
if ! [[ $FEW =~ ^[0-9]+$ && $MANY =~ ^[0-9]+$ ]] || ((FEW < 1 || MANY <= FEW)); then
  echo "instructions.sh: expected two request counts FEW < MANY (e.g. 2500 6500), got '$FEW' '$MANY'" >&2
  exit 2
fi
NODE=node_modules/node/bin/node # the real binary: valgrind must not follow a wrapper
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

CACHE_SIM=${CACHE_SIM:-0}
# cost LABEL N [node args...]: total instructions (CACHE_SIM=1: estimated cycles) of the server process for N requests
cost() {
  local label=$1 n=$2
  shift 2
  local log=$out/$label-$n.log
  OTEL_SERVICE_NAME=bench OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9 \
    valgrind --tool=cachegrind --cache-sim=$([ "$CACHE_SIM" = 1 ] && echo yes || echo no) --cachegrind-out-file="$out/$label-$n.cg" \
    "$NODE" "$@" bench/bootstrap/app.cjs >"$log" 2>&1 &
  local pid=$! port=
  for _ in $(seq 900); do
    port=$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2) || true
    [ -n "$port" ] && break
    sleep 0.2
  done
  [ -n "$port" ] || { echo "instructions.sh: the app did not start:" >&2; cat "$log" >&2; exit 1; }
  "$NODE" -e "
    require('autocannon')({ url: 'http://127.0.0.1:$port/api/orders/1', connections: 4, amount: $n, timeout: 60 },
      (err, r) => { if (err || r.non2xx || r.errors) { console.error(err ?? r); process.exit(1); } });"
  kill -TERM "$pid"
  wait "$pid" || true
  # The summary lines: "I refs:", and with the cache simulation "I1 misses:", "D1 misses:", "LL misses:" (i + d).
  tr -d ',' <"$log" | awk -v sim="$CACHE_SIM" '
    /I +refs:/ { ir = $NF } /I1 +misses:/ { i1 = $NF } /D1 +misses:/ { d1 = $4 } /LL +misses:/ { ll = $4 }
    END { if (sim == 1) printf "%d\n", ir + 10 * (i1 + d1) + 100 * ll; else print ir }'
}

per_request() { # label [node args...]
  local label=$1
  shift
  local few many
  few=$(cost "$label" "$FEW" "$@")
  many=$(cost "$label" "$MANY" "$@")
  echo $(((many - few) / (MANY - FEW)))
}

plain=$(per_request plain)
boot=$(per_request otel-bootstrap --require ./packages/otel-bootstrap)
echo "requests $FEW -> $MANY, $(date -u +%FT%TZ), $("$NODE" --version), commit $(git rev-parse --short HEAD)"
unit=$([ "$CACHE_SIM" = 1 ] && echo "estimated cycles" || echo instructions)
echo "plain:          $plain $unit per request"
echo "otel-bootstrap: $boot $unit per request ($(awk -v a="$boot" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')x plain)"
