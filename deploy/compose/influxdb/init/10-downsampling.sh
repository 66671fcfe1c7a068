#!/bin/bash
# Runs once, on the first start of the influxdb container (DOCKER_INFLUXDB_INIT_MODE=setup), after the org, the raw
# bucket and the admin token exist. Creates the long-term bucket for the business metrics, the task that
# downsamples them into it every hour, and the DBRP mappings that let InfluxQL (Grafana) query both buckets. The same plan for InfluxDB 1.x (retention policies + continuous queries)
# is in deploy/compose/influxdb/downsampling-v1.influxql; both are explained in docs/scaling.md.
set -euo pipefail
org="${DOCKER_INFLUXDB_INIT_ORG}"
raw="${DOCKER_INFLUXDB_INIT_BUCKET}"
longterm="${raw}_business_1h"
influx bucket create --org "$org" --name "$longterm" --retention "${INFLUXDB_BUSINESS_RETENTION:-1825d}"
sed -e "s/__RAW_BUCKET__/${raw}/g" -e "s/__LONGTERM_BUCKET__/${longterm}/g" -e "s/__ORG__/${org}/g" \
  /docker-entrypoint-initdb.d/downsample-business.flux.tmpl > /tmp/downsample-business.flux
influx task create --org "$org" --file /tmp/downsample-business.flux
# InfluxQL (the Grafana dashboards, ad-hoc queries) through the v1 compatibility API: database "<raw bucket>"
# maps to the raw bucket, retention policy "business_1h" of the same database to the long-term bucket.
bucket_id() { influx bucket list --org "$org" --name "$1" --hide-headers | cut -f1; }
influx v1 dbrp create --org "$org" --db "$raw" --rp autogen --bucket-id "$(bucket_id "$raw")" --default
influx v1 dbrp create --org "$org" --db "$raw" --rp business_1h --bucket-id "$(bucket_id "$longterm")"
