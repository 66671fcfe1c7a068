// Databases (RED + connections): Shop DB and MES DB from the PostgreSQL receiver.
import type { AlertConfig } from '../config.ts';
import { durationSeconds } from '../config.ts';
import { L, M } from '../metrics.ts';
import { alert, num, type RuleFile } from './common.ts';

export const DB_MEAN_DURATION = 'db:postgresql_statement_duration_seconds:mean5m';
export const CLUSTER_CONNECTIONS = 'cluster:postgresql_connections:sum';

export function databaseRules(config: AlertConfig): RuleFile {
  const d = config.databases;
  return {
    name: 'databases',
    groups: [
      {
        name: 'foursignals-databases',
        rules: [
          { record: 'db:postgresql_statements:rate5m', expr: `sum by (${L.db}) (rate(${M.pgStatements}[5m]))` },
          {
            record: 'db_outcome:postgresql_transactions:rate5m',
            expr: `sum by (${L.db}, ${L.txOutcome}) (rate(${M.pgTransactions}[5m]))`,
          },
          {
            record: 'db_error:postgresql_errors:rate5m',
            expr: `sum by (${L.db}, ${L.errorType}) (rate(${M.pgErrors}[5m]))`,
          },
          {
            record: DB_MEAN_DURATION,
            expr: `sum by (${L.db}) (rate(${M.pgStatementTime}[5m]))\n/\nsum by (${L.db}) (rate(${M.pgStatements}[5m]))`,
          },
          {
            // connections of the whole cluster (max_connections is per cluster), keeping the labels that tell
            // clusters apart
            record: CLUSTER_CONNECTIONS,
            expr: `sum without (${L.db}, ${L.connState}) (${M.pgConnections})`,
          },

          // alerts after the records they read: rules in one group run in order, so they see this round's values
          alert(config, {
            alert: 'PostgresqlConnectionsNearMax',
            expr: `${CLUSTER_CONNECTIONS} / ${M.pgConnectionMax} > ${num(d.connectionsRatio)}`,
            for: d.connectionsFor,
            severity: 'warning',
            summary: 'PostgreSQL uses {{ $value | humanizePercentage }} of max_connections',
            description:
              `Open connections have stayed above ${num(d.connectionsRatio * 100)}% of max_connections for ` +
              `${d.connectionsFor}; new connections will be refused once it is reached (a pool too large or a ` +
              'connection leak).',
          }),
          alert(config, {
            alert: 'PostgresqlConnectionsPredictedExhausted',
            expr:
              `predict_linear(${CLUSTER_CONNECTIONS}[${d.predictWindow}], ${durationSeconds(d.predictAhead)})\n` +
              `>= ${M.pgConnectionMax}\n` +
              `and\n${CLUSTER_CONNECTIONS} / ${M.pgConnectionMax} > ${num(d.predictMinRatio)}`,
            for: '5m',
            severity: 'warning',
            summary: `PostgreSQL will run out of connections within ${d.predictAhead}`,
            description:
              `At the trend of the last ${d.predictWindow}, open connections reach {{ $value | humanize }} within ` +
              `${d.predictAhead}, at or past max_connections (now above ${num(d.predictMinRatio * 100)}% of it): a ` +
              'connection leak.',
          }),
          alert(config, {
            alert: 'PostgresqlDeadlocks',
            expr: `sum by (${L.db}) (increase(${M.pgErrors}{${L.errorType}="deadlock"}[5m])) > 0`,
            severity: 'warning',
            summary: 'Deadlocks in database {{ $labels.db_namespace }}',
            description:
              `{{ $value | humanize }} deadlocks in {{ $labels.${L.db} }} in the last 5 minutes: two transactions ` +
              'lock the same rows in different orders; one of them was aborted.',
          }),
          alert(config, {
            alert: 'PostgresqlErrors',
            expr:
              `sum by (${L.db}, ${L.errorType}) (increase(${M.pgErrors}{${L.errorType}!~"rollback|deadlock"}[5m]))` +
              ' > 0',
            severity: 'warning',
            summary: 'PostgreSQL errors ({{ $labels.error_type }}) in database {{ $labels.db_namespace }}',
            description:
              `{{ $value | humanize }} errors of kind {{ $labels.${L.errorType} }} in {{ $labels.${L.db} }} in the ` +
              'last 5 minutes (conflict, session_fatal, session_killed, session_abandoned, checksum_failure).',
          }),
          alert(config, {
            alert: 'PostgresqlRollbackRatioHigh',
            expr:
              `sum by (${L.db}) (rate(${M.pgTransactions}{${L.txOutcome}="rollback"}[5m]))\n/\n` +
              `sum by (${L.db}) (rate(${M.pgTransactions}[5m]))\n> ${num(d.rollbackRatio)}`,
            for: '10m',
            severity: 'warning',
            summary: '{{ $value | humanizePercentage }} of transactions roll back in {{ $labels.db_namespace }}',
            description:
              `More than ${num(d.rollbackRatio * 100)}% of the transactions in {{ $labels.${L.db} }} have rolled ` +
              'back for 10 minutes: failing application requests or constraint violations.',
          }),
          alert(config, {
            alert: 'PostgresqlDurationRegression',
            expr:
              `${DB_MEAN_DURATION}\n> ${num(d.regressionFactor)} * avg_over_time(${DB_MEAN_DURATION}[6h] offset 10m)\n` +
              `and\n${DB_MEAN_DURATION} > ${num(d.regressionFloorSeconds)}`,
            for: '10m',
            severity: 'warning',
            summary: 'Statements in {{ $labels.db_namespace }} got slower',
            description:
              `The mean statement duration in {{ $labels.${L.db} }} is {{ $value | humanizeDuration }}, more than ` +
              `${num(d.regressionFactor)}x its mean of the 6 hours before, for 10 minutes: a missing index, a ` +
              'changed plan, lock waits or a saturated server.',
          }),
        ],
      },
    ],
  };
}
