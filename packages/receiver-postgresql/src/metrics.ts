import type { MetricTable } from '@foursignals/receiver-core';

// Names follow collector-contrib's postgresqlreceiver where it measures the same thing (postgresql.backends,
// postgresql.commits, postgresql.rollbacks, postgresql.deadlocks, postgresql.blks_hit/blks_read,
// postgresql.query.execution.time, postgresql.connection.max, attribute db.namespace), so contrib users keep their
// queries; the rest are `postgresql.<entity>.<measure>` (see packages/receivers/METRICS.md for the mapping).
const CONTRIB = 'contrib postgresqlreceiver';

export const ATTR_DB_NAMESPACE = 'db.namespace';
/** contrib's name for pg_stat_statements.queryid. */
export const ATTR_DB_QUERY_ID = 'postgresql.queryid';
export const ATTR_ERROR_TYPE = 'error.type';
/** contrib's name for pg_stat_activity.state. */
export const ATTR_CONNECTION_STATE = 'postgresql.state';

/** `error.type` values of postgresql.errors, one per pg_stat_database column (conflict = conflicts, ...). */
export const ERROR_TYPES = [
  'conflict',
  'session_fatal',
  'session_killed',
  'session_abandoned',
  'checksum_failure',
] as const;
/** pg_stat_activity.state of client backends, spelled as attribute values. */
export const CONNECTION_STATES = [
  'active',
  'idle',
  'idle_in_transaction',
  'idle_in_transaction_aborted',
  'fastpath_function_call',
  'disabled',
] as const;

const database = { [ATTR_DB_NAMESPACE]: { description: 'The database (pg_database.datname).' } } as const;
const statement = {
  ...database,
  [ATTR_DB_QUERY_ID]: {
    description:
      'pg_stat_statements.queryid of the statement (never its text: look the text up by id in pg_stat_statements).',
  },
} as const;

/** Every metric of the PostgreSQL receiver, declared once. The keys are the names used in code. */
export const METRICS = {
  commits: {
    name: 'postgresql.commits',
    instrument: 'counter',
    unit: '1',
    description: 'Transactions committed in the database (pg_stat_database xact_commit).',
    attributes: database,
    enabled: true,
    upstream: { from: CONTRIB },
  },
  rollbacks: {
    name: 'postgresql.rollbacks',
    instrument: 'counter',
    unit: '1',
    description: 'Transactions rolled back in the database (pg_stat_database xact_rollback).',
    attributes: database,
    enabled: true,
    upstream: { from: CONTRIB },
  },
  queryCalls: {
    name: 'postgresql.query.calls',
    instrument: 'counter',
    unit: '{call}',
    description: 'Statements executed in the database (sum of pg_stat_statements calls). Rate = RPS.',
    attributes: database,
    enabled: true,
  },
  queryTime: {
    name: 'postgresql.query.execution.time',
    instrument: 'counter',
    unit: 's',
    description:
      'Time spent executing statements in the database (sum of pg_stat_statements total_exec_time). ' +
      'rate(time) / rate(calls) = mean duration.',
    attributes: database,
    enabled: true,
    upstream: { from: CONTRIB, note: 'off by default in contrib' },
  },
  deadlocks: {
    name: 'postgresql.deadlocks',
    instrument: 'counter',
    unit: '{deadlock}',
    description: 'Deadlocks detected in the database (pg_stat_database deadlocks).',
    attributes: database,
    enabled: true,
    upstream: { from: CONTRIB, note: 'off by default in contrib' },
  },
  errors: {
    name: 'postgresql.errors',
    instrument: 'counter',
    unit: '{error}',
    description:
      'Other errors in the database by kind (pg_stat_database conflicts, sessions_fatal, sessions_killed, ' +
      'sessions_abandoned, checksum_failures); rollbacks and deadlocks have metrics of their own.',
    attributes: {
      ...database,
      [ATTR_ERROR_TYPE]: { description: 'The kind of error.', values: ERROR_TYPES },
    },
    enabled: true,
    upstream: {
      from: CONTRIB,
      name: 'postgresql.query.conflicts',
      note: 'contrib counts only recovery conflicts (standby); ours adds the session ends and checksum failures of pg_stat_database, by `error.type`',
    },
  },
  backends: {
    name: 'postgresql.backends',
    instrument: 'updowncounter',
    unit: '1',
    description: 'Client connections (backends) to the database by state (pg_stat_activity, client backends).',
    attributes: {
      ...database,
      [ATTR_CONNECTION_STATE]: { description: 'pg_stat_activity.state with underscores.', values: CONNECTION_STATES },
    },
    enabled: true,
    upstream: {
      from: CONTRIB,
      note: 'client backends only, by `postgresql.state` (contrib: every backend type, no state)',
    },
  },
  connectionMax: {
    name: 'postgresql.connection.max',
    instrument: 'gauge',
    unit: '{connection}',
    description: 'The cluster-wide connection limit (max_connections).',
    attributes: {},
    enabled: true,
    upstream: {
      from: CONTRIB,
      note: 'unit `{connection}` (contrib: `{connections}`; the Prometheus name is the same)',
    },
  },
  longestTransaction: {
    name: 'postgresql.transaction.longest.duration',
    instrument: 'gauge',
    unit: 's',
    description:
      'Age of the oldest open transaction in the database, 0 when none is open (pg_stat_activity xact_start).',
    attributes: database,
    enabled: true,
  },
  locksWaiting: {
    name: 'postgresql.backends.waiting',
    instrument: 'gauge',
    unit: '{connection}',
    description: 'Connections waiting for a lock in the database (pg_stat_activity wait_event_type = Lock).',
    attributes: database,
    enabled: true,
    upstream: {
      from: CONTRIB,
      name: 'postgresql.database.locks',
      note: 'contrib counts locks held by mode; ours counts the connections waiting for one',
    },
  },
  blksHit: {
    name: 'postgresql.blks_hit',
    instrument: 'counter',
    unit: '{block}',
    description: 'Block reads of the database served from the shared buffer cache (pg_stat_database blks_hit).',
    attributes: database,
    enabled: true,
    upstream: {
      from: CONTRIB,
      note: 'off by default in contrib; unit `{block}` (contrib: `{blks_hit}`, same Prometheus name)',
    },
  },
  blksRead: {
    name: 'postgresql.blks_read',
    instrument: 'counter',
    unit: '{block}',
    description: 'Blocks of the database read from disk (pg_stat_database blks_read).',
    attributes: database,
    enabled: true,
    upstream: {
      from: CONTRIB,
      note: 'off by default in contrib; unit `{block}` (contrib: `{blks_read}`, same Prometheus name)',
    },
  },
  cacheHitRatio: {
    // `ratio` as the last token: Prometheus adds no second `_ratio` suffix (postgresql_cache_hit_ratio).
    name: 'postgresql.cache.hit.ratio',
    instrument: 'gauge',
    unit: '1',
    description:
      'Share of block reads served from the buffer cache since the previous scrape (1 when nothing was read).',
    attributes: database,
    enabled: true,
  },
  topQueryTime: {
    name: 'postgresql.query.top.execution.time',
    instrument: 'counter',
    unit: 's',
    description:
      'Execution time of the top-N statements of each database by time (N = `top_statements`, per database; 0 turns it off).',
    attributes: statement,
    enabled: true,
    upstream: {
      from: CONTRIB,
      name: 'db.server.top_query',
      note: 'contrib reports the top queries as log events, with their text; ours are metrics with the query id only',
    },
  },
  topQueryCalls: {
    name: 'postgresql.query.top.calls',
    instrument: 'counter',
    unit: '{call}',
    description:
      'Calls of the top-N statements of each database by time (the same statements as the top execution time).',
    attributes: statement,
    enabled: true,
  },
  queryDeallocations: {
    name: 'postgresql.query.deallocations',
    instrument: 'counter',
    unit: '{statement}',
    description:
      'pg_stat_statements entries evicted to make room (pg_stat_statements_info.dealloc); when it moves, raise pg_stat_statements.max.',
    attributes: {},
    enabled: true,
  },
} as const satisfies MetricTable;
