#!/bin/bash
# First start of the demo PostgreSQL (profile "demo"): the shop and mes databases with their owners, and the
# least-privilege monitoring role the receivers use (../monitoring-role.sql, mounted at /foursignals).
set -euo pipefail
psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres)
for db in shop mes; do
  "${psql[@]}" -v db="$db" -v pw="$DEMO_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'db', :'pw') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'db') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'db') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
REVOKE CONNECT ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"db";
SQL
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'
done
"${psql[@]}" -v monitor_role=foursignals_monitor -v monitor_password="$MONITOR_DB_PASSWORD" \
  -v databases="'shop','mes'" -f /foursignals/monitoring-role.sql
