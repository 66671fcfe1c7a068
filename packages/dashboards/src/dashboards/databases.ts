// Databases (RED): Shop DB and MES DB rate, errors by kind, duration, connections by state against the maximum.
import type { AlertConfig } from '../config.ts';
import { L, M } from '../metrics.ts';
import { type Dashboard, dashboard, labelVar, prom, single, ts } from './lib.ts';

const D = `${L.db}=~"$database"`;

export function databasesDashboard(config: AlertConfig): Dashboard {
  return dashboard({
    uid: 'foursignals-databases',
    title: 'foursignals / Databases (RED)',
    description:
      'PostgreSQL from the pg_stat_* views (the PostgreSQL receiver): statements and transactions per second, ' +
      'errors by kind, mean statement duration, and connections by state against max_connections.',
    tags: ['red', 'postgresql'],
    variables: [labelVar('database', M.pgTransactions, L.db, { label: 'Database', description: 'db.namespace' })],
    items: [
      { row: 'Rate' },
      ts(
        'Statements per second',
        [prom(`sum by (${L.db}) (rate(${M.pgStatements}{${D}}[$__rate_interval]))`, `{{${L.db}}}`)],
        { description: 'postgresql.statements (pg_stat_statements calls) per second by database.', unit: 'ops' },
      ),
      ts(
        'Transactions per second by outcome',
        [
          prom(
            `sum by (${L.db}, ${L.txOutcome}) (rate(${M.pgTransactions}{${D}}[$__rate_interval]))`,
            `{{${L.db}}} {{${L.txOutcome}}}`,
          ),
        ],
        {
          description: 'postgresql.transactions (pg_stat_database) per second, commit and rollback.',
          unit: 'ops',
          stack: true,
        },
      ),
      { row: 'Errors' },
      ts(
        'Errors per second by kind',
        [
          prom(
            `sum by (${L.db}, ${L.errorType}) (rate(${M.pgErrors}{${D}}[$__rate_interval]))`,
            `{{${L.db}}} {{${L.errorType}}}`,
          ),
        ],
        {
          description:
            'postgresql.errors by error.type: rollback, deadlock, conflict, session_fatal, session_killed, ' +
            'session_abandoned, checksum_failure.',
          unit: 'ops',
        },
      ),
      ts(
        'Rollback ratio',
        [
          prom(
            `sum by (${L.db}) (rate(${M.pgTransactions}{${D}, ${L.txOutcome}="rollback"}[$__rate_interval])) / sum by (${L.db}) (rate(${M.pgTransactions}{${D}}[$__rate_interval]))`,
            `{{${L.db}}}`,
          ),
        ],
        {
          description: 'Share of transactions rolled back (alert PostgresqlRollbackRatioHigh).',
          unit: 'percentunit',
          min: 0,
          threshold: config.databases.rollbackRatio,
        },
      ),
      { row: 'Duration' },
      ts(
        'Mean statement duration',
        [
          prom(
            `sum by (${L.db}) (rate(${M.pgStatementTime}{${D}}[$__rate_interval])) / sum by (${L.db}) (rate(${M.pgStatements}{${D}}[$__rate_interval]))`,
            `{{${L.db}}}`,
          ),
        ],
        {
          description:
            'rate(postgresql.statement.time) / rate(postgresql.statements): mean execution time per statement ' +
            '(alert PostgresqlDurationRegression).',
          unit: 's',
          span: 24,
        },
      ),
      { row: 'Connections' },
      ts(
        'Connections by state',
        [prom(`sum by (${L.db}, ${L.connState}) (${M.pgConnections}{${D}})`, `{{${L.db}}} {{${L.connState}}}`)],
        { description: 'postgresql.connections (pg_stat_activity) by database and state.', stack: true, min: 0 },
      ),
      ts(
        'Connections in use vs max_connections',
        [prom(`sum(${M.pgConnections})`, 'in use (cluster)'), prom(`max(${M.pgConnectionMax})`, 'max_connections')],
        {
          description:
            'All connections of the cluster against max_connections; alert PostgresqlConnectionsNearMax above ' +
            `${config.databases.connectionsRatio * 100}%, PostgresqlConnectionsPredictedExhausted on the trend.`,
          min: 0,
        },
      ),
      single('Connections used', [prom(`sum(${M.pgConnections}) / max(${M.pgConnectionMax})`)], {
        description: 'Share of max_connections in use.',
        unit: 'percentunit',
        span: 24,
        threshold: config.databases.connectionsRatio,
      }),
    ],
  });
}
