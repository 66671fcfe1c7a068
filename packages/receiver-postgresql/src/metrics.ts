import type { MetricTable } from '@foursignals/receiver-core';

// Attribute names: `db.namespace` is the semantic-convention attribute for the database; the rest are ours.
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_QUERY_ID = 'db.query.id';
export const ATTR_TRANSACTION_OUTCOME = 'postgresql.transaction.outcome';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_CONNECTION_STATE = 'postgresql.connection.state';
export const ATTR_BLOCK_SOURCE = 'postgresql.block.source';

export const TRANSACTION_OUTCOMES = ['commit', 'rollback'] as const;
/** `error.type` values, one per pg_stat_database column (rollback = xact_rollback, deadlock = deadlocks, ...). */
export const ERROR_TYPES = [
  'rollback',
  'deadlock',
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
export const BLOCK_SOURCES = ['cache', 'disk'] as const;

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
  transactions: {
    name: 'postgresql.transactions',
    instrument: 'counter',
    unit: '{transaction}',
    description: 'Transactions finished in the database, by outcome (pg_stat_database xact_commit, xact_rollback).',
    attributes: {
      ...database,
      [ATTR_TRANSACTION_OUTCOME]: { description: 'How the transaction ended.', values: TRANSACTION_OUTCOMES },
    },
    enabled: true,
  },
  statements: {
    name: 'postgresql.statements',
    instrument: 'counter',
    unit: '{statement}',
    description: 'Statements executed in the database (sum of pg_stat_statements calls). Rate = RPS.',
    attributes: database,
    enabled: true,
  },
  statementTime: {
    name: 'postgresql.statement.time',
    instrument: 'counter',
    unit: 's',
    description:
      'Time spent executing statements in the database (sum of pg_stat_statements total_exec_time). ' +
      'rate(time) / rate(statements) = mean duration.',
    attributes: database,
    enabled: true,
  },
  errors: {
    name: 'postgresql.errors',
    instrument: 'counter',
    unit: '{error}',
    description:
      'Errors in the database by kind (pg_stat_database xact_rollback, deadlocks, conflicts, sessions_*, checksum_failures).',
    attributes: {
      ...database,
      [ATTR_ERROR_TYPE]: { description: 'The kind of error.', values: ERROR_TYPES },
    },
    enabled: true,
  },
  connections: {
    name: 'postgresql.connections',
    instrument: 'gauge',
    unit: '{connection}',
    description: 'Client connections to the database by state (pg_stat_activity, client backends).',
    attributes: {
      ...database,
      [ATTR_CONNECTION_STATE]: { description: 'pg_stat_activity.state with underscores.', values: CONNECTION_STATES },
    },
    enabled: true,
  },
  connectionMax: {
    name: 'postgresql.connection.max',
    instrument: 'gauge',
    unit: '{connection}',
    description: 'The cluster-wide connection limit (max_connections).',
    attributes: {},
    enabled: true,
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
    name: 'postgresql.locks.waiting',
    instrument: 'gauge',
    unit: '{connection}',
    description: 'Connections waiting for a lock in the database (pg_stat_activity wait_event_type = Lock).',
    attributes: database,
    enabled: true,
  },
  blocks: {
    name: 'postgresql.blocks',
    instrument: 'counter',
    unit: '{block}',
    description:
      'Blocks the database read, from the shared buffer cache or from disk (pg_stat_database blks_hit, blks_read).',
    attributes: {
      ...database,
      [ATTR_BLOCK_SOURCE]: { description: 'Where the block came from.', values: BLOCK_SOURCES },
    },
    enabled: true,
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
  topStatementTime: {
    name: 'postgresql.statement.top.time',
    instrument: 'counter',
    unit: 's',
    description:
      'Execution time of the top-N statements of each database by time (N = `top_statements`, per database; 0 turns it off).',
    attributes: statement,
    enabled: true,
  },
  topStatementCalls: {
    name: 'postgresql.statement.top.calls',
    instrument: 'counter',
    unit: '{statement}',
    description:
      'Calls of the top-N statements of each database by time (same statements as postgresql.statement.top.time).',
    attributes: statement,
    enabled: true,
  },
  statementsEvicted: {
    name: 'postgresql.statements.evicted',
    instrument: 'counter',
    unit: '{statement}',
    description:
      'pg_stat_statements entries evicted to make room (pg_stat_statements_info.dealloc); when it moves, raise pg_stat_statements.max.',
    attributes: {},
    enabled: true,
  },
} as const satisfies MetricTable;
