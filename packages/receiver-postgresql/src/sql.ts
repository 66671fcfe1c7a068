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

/** Every pg_stat_statements entry without its text (the `false` argument): the numbers only. */
export function statementsSql(serverVersion: number): string {
  const toplevel = serverVersion >= 140000 ? 'toplevel' : 'true';
  const time = serverVersion >= 130000 ? 'total_exec_time' : 'total_time';
  return `SELECT dbid::text, userid::text, queryid::text, ${toplevel}, calls, ${time} FROM pg_stat_statements(false)`;
}

/** Evictions and the time of the last full pg_stat_statements_reset() (pg_stat_statements 1.9+, PostgreSQL 14+). */
export const STATEMENTS_INFO_SQL = `SELECT dealloc, coalesce(stats_reset::text, '') AS stats_reset FROM pg_stat_statements_info`;
