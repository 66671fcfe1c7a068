// Databases (RED): Shop DB and MES DB rate, errors by kind, duration, connections by state against the maximum.
import type { AlertConfig } from '../config.ts';
import { L, M, SOURCES } from '../metrics.ts';
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
    variables: [labelVar('database', M.pg.commits, L.db, { label: 'Database', description: 'db.namespace' })],
    items: [
      { row: 'Rate' },
      ts(
        'Statements per second',
        [prom(`sum by (${L.db}) (rate(${M.pg.queryCalls}{${D}}[$__rate_interval]))`, `{{${L.db}}}`)],
        {
          description: `${SOURCES.pg.queryCalls.name} (pg_stat_statements calls) per second by database.`,
          unit: 'ops',
        },
      ),
      ts(
        'Transactions per second: commits and rollbacks',
        [
          prom(`sum by (${L.db}) (rate(${M.pg.commits}{${D}}[$__rate_interval]))`, `{{${L.db}}} commit`),
          prom(`sum by (${L.db}) (rate(${M.pg.rollbacks}{${D}}[$__rate_interval]))`, `{{${L.db}}} rollback`),
        ],
        {
          description: `${SOURCES.pg.commits.name} and ${SOURCES.pg.rollbacks.name} (pg_stat_database) per second.`,
          unit: 'ops',
          stack: true,
        },
      ),
      { row: 'Errors' },
      ts(
        'Errors per second by kind',
        [
          prom(`sum by (${L.db}) (rate(${M.pg.rollbacks}{${D}}[$__rate_interval]))`, `{{${L.db}}} rollback`),
          prom(`sum by (${L.db}) (rate(${M.pg.deadlocks}{${D}}[$__rate_interval]))`, `{{${L.db}}} deadlock`),
          prom(
            `sum by (${L.db}, ${L.errorType}) (rate(${M.pg.errors}{${D}}[$__rate_interval]))`,
            `{{${L.db}}} {{${L.errorType}}}`,
          ),
        ],
        {
          description:
            `${SOURCES.pg.rollbacks.name}, ${SOURCES.pg.deadlocks.name}, and ${SOURCES.pg.errors.name} by error.type ` +
            `(${SOURCES.pg.errors.attributes['error.type'].values.join(', ')}).`,
          unit: 'ops',
        },
      ),
      ts(
        'Rollback ratio',
        [
          prom(
            `sum by (${L.db}) (rate(${M.pg.rollbacks}{${D}}[$__rate_interval])) / (sum by (${L.db}) (rate(${M.pg.commits}{${D}}[$__rate_interval])) + sum by (${L.db}) (rate(${M.pg.rollbacks}{${D}}[$__rate_interval])))`,
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
            `sum by (${L.db}) (rate(${M.pg.queryTime}{${D}}[$__rate_interval])) / sum by (${L.db}) (rate(${M.pg.queryCalls}{${D}}[$__rate_interval]))`,
            `{{${L.db}}}`,
          ),
        ],
        {
          description:
            `rate(${SOURCES.pg.queryTime.name}) / rate(${SOURCES.pg.queryCalls.name}): mean execution time per statement ` +
            '(alert PostgresqlDurationRegression).',
          unit: 's',
          span: 24,
        },
      ),
      { row: 'Connections' },
      ts(
        'Connections by state',
        [prom(`sum by (${L.db}, ${L.connState}) (${M.pg.backends}{${D}})`, `{{${L.db}}} {{${L.connState}}}`)],
        { description: `${SOURCES.pg.backends.name} (pg_stat_activity) by database and state.`, stack: true, min: 0 },
      ),
      ts(
        'Connections in use vs max_connections',
        [prom(`sum(${M.pg.backends})`, 'in use (cluster)'), prom(`max(${M.pg.connectionMax})`, 'max_connections')],
        {
          description:
            'All connections of the cluster against max_connections; alert PostgresqlConnectionsNearMax above ' +
            `${config.databases.connectionsRatio * 100}%, PostgresqlConnectionsPredictedExhausted on the trend.`,
          min: 0,
        },
      ),
      single('Connections used', [prom(`sum(${M.pg.backends}) / max(${M.pg.connectionMax})`)], {
        description: 'Share of max_connections in use.',
        unit: 'percentunit',
        span: 24,
        threshold: config.databases.connectionsRatio,
      }),
    ],
  });
}
