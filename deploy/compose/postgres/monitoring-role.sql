-- Least-privilege PostgreSQL role for the foursignals PostgreSQL receiver (docs/security.md).
-- Run as a superuser (or a role with CREATEROLE + ownership of the databases), with psql variables:
--   psql -v monitor_role=foursignals_monitor -v monitor_password="$MONITOR_DB_PASSWORD" \
--        -v databases="'shop','mes'" -f monitoring-role.sql
-- What the receiver reads: pg_stat_database and pg_stat_activity (every database), pg_stat_statements (per
-- database). pg_monitor (PostgreSQL 10+) grants exactly that read access (incl. other roles' query texts); the role
-- can read no table, write nothing, and holds few connections. Tested by packages/deploy-tests.
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5 PASSWORD %L',
              :'monitor_role', :'monitor_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'monitor_role') \gexec
GRANT pg_monitor TO :"monitor_role";
-- Safety nets: read-only transactions, short statements, no lingering sessions.
ALTER ROLE :"monitor_role" SET default_transaction_read_only = on;
ALTER ROLE :"monitor_role" SET statement_timeout = '5s';
ALTER ROLE :"monitor_role" SET idle_in_transaction_session_timeout = '10s';
-- CONNECT on the monitored databases only (PUBLIC's default CONNECT should be revoked on sensitive databases).
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', datname, :'monitor_role')
  FROM pg_database WHERE datname IN (:databases) \gexec
