// Every query the receiver puts on the server: five per scrape, all cluster-wide, on one connection.

/** Once per scrape: the limit and whether the role may see every session and statement. */
export const SETTINGS_SQL = `SELECT current_setting('max_connections')::int AS max_connections,
  current_user AS role,
  pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
  current_database() AS database`;

/** pg_stat_database of every database that accepts connections (PostgreSQL 14+ has the sessions_* columns). */
export function databaseSql(serverVersion: number): string {
  const sessions =
    serverVersion >= 140000
      ? 'd.sessions_fatal, d.sessions_killed, d.sessions_abandoned'
      : '0::bigint AS sessions_fatal, 0::bigint AS sessions_killed, 0::bigint AS sessions_abandoned';
  return `SELECT d.datid::text AS datid, d.datname, d.xact_commit, d.xact_rollback, d.deadlocks, d.conflicts, ${sessions},
  coalesce(d.checksum_failures, 0) AS checksum_failures, d.blks_hit, d.blks_read,
  coalesce(d.stats_reset::text, '') AS stats_reset
FROM pg_stat_database d JOIN pg_database db ON db.oid = d.datid
WHERE NOT db.datistemplate AND db.datallowconn`;
}

/** Client connections grouped by database and state, with lock waiters and the oldest open transaction. */
export const ACTIVITY_SQL = `SELECT datname, state, count(*)::int AS connections,
  (count(*) FILTER (WHERE wait_event_type = 'Lock'))::int AS waiting,
  coalesce(extract(epoch FROM max(clock_timestamp() - xact_start) FILTER (WHERE pid <> pg_backend_pid())), 0)::float8
    AS longest
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND datname IS NOT NULL
GROUP BY datname, state`;

/**
 * pg_stat_statements in one scan, summed on the server: one row per database (queryid NULL) with its calls and
 * time, plus the top-N statements of each database by time (numbers only: `pg_stat_statements(false)` never reads
 * the query texts). `$1` is N. A few dozen rows cross the wire whatever the number of statements.
 */
export function statementsSql(serverVersion: number): string {
  const time = serverVersion >= 130000 ? 'total_exec_time' : 'total_time';
  return `WITH s AS MATERIALIZED (SELECT dbid, queryid, calls, ${time} AS time FROM pg_stat_statements(false))
SELECT dbid::text AS dbid, NULL::text AS queryid, sum(calls)::float8 AS calls, sum(time)::float8 AS time FROM s GROUP BY dbid
UNION ALL
SELECT dbid::text, queryid::text, calls, time FROM (
  SELECT dbid, queryid, sum(calls)::float8 AS calls, sum(time)::float8 AS time,
    row_number() OVER (PARTITION BY dbid ORDER BY sum(time) DESC) AS rank
  FROM s WHERE queryid IS NOT NULL AND $1::int > 0 GROUP BY dbid, queryid
) top WHERE rank <= $1::int`;
}

/** Evictions and the time of the last full pg_stat_statements_reset() (pg_stat_statements 1.9+, PostgreSQL 14+). */
export const STATEMENTS_INFO_SQL = `SELECT dealloc, coalesce(stats_reset::text, '') AS stats_reset FROM pg_stat_statements_info`;
