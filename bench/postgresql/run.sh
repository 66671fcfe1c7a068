#!/bin/sh
# Runs bench.ts against a throw-away PostgreSQL cluster (pg_stat_statements preloaded, max 10000) on port 28432,
# then removes it. Needs the PostgreSQL server binaries, pgbench-free; as root the cluster runs as `postgres`.
# Usage (from the repo root, after `npm run build`): sh bench/postgresql/run.sh
set -eu
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d /tmp/pgbench-cluster.XXXXXX)
PORT=${BENCH_PORT:-28432}
AS=""
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; AS="su postgres -c"; fi
run() { if [ -n "$AS" ]; then su postgres -c "$*"; else sh -c "$*"; fi; }
run "$BIN/initdb -D $DIR/data -U postgres --auth=trust" >/dev/null
run "$BIN/pg_ctl -D $DIR/data -l $DIR/log -w -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=10000' start" >/dev/null
trap 'run "$BIN/pg_ctl -D $DIR/data -m fast stop" >/dev/null; rm -rf "$DIR"' EXIT
BENCH_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PORT/postgres" node bench/postgresql/bench.ts
