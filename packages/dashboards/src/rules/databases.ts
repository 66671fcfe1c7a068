// Databases (RED + connections): Shop DB and MES DB from the PostgreSQL receiver.
import type { AlertConfig } from '../config.ts';
import { durationSeconds } from '../config.ts';
import { L, M } from '../metrics.ts';
import { alert, num, type RuleFile, recordName } from './common.ts';

/** rate(execution time) / rate(calls): the mean statement duration. */
export const DB_MEAN_DURATION = recordName([L.db], M.pg.queryTime.replace(/_total$/, ''), 'mean5m');
/** Connections of a whole cluster: summed over databases and states, keeping the receiver instance. */
export const CLUSTER_CONNECTIONS = recordName([L.receiverName], M.pg.backends, 'sum');

export function databaseRules(config: AlertConfig): RuleFile {
  const d = config.databases;
  return {
    name: 'databases',
    groups: [
      {
        name: 'foursignals-databases',
        rules: [
          {
            record: recordName([L.db], M.pg.queryCalls, 'rate5m'),
            expr: `sum by (${L.db}) (rate(${M.pg.queryCalls}[5m]))`,
          },
          { record: recordName([L.db], M.pg.commits, 'rate5m'), expr: `sum by (${L.db}) (rate(${M.pg.commits}[5m]))` },
          {
            record: recordName([L.db], M.pg.rollbacks, 'rate5m'),
            expr: `sum by (${L.db}) (rate(${M.pg.rollbacks}[5m]))`,
          },
          {
            record: recordName([L.db, L.errorType], M.pg.errors, 'rate5m'),
            expr: `sum by (${L.db}, ${L.errorType}) (rate(${M.pg.errors}[5m]))`,
          },
          {
            record: DB_MEAN_DURATION,
            expr: `sum by (${L.db}) (rate(${M.pg.queryTime}[5m]))\n/\nsum by (${L.db}) (rate(${M.pg.queryCalls}[5m]))`,
          },
          {
            // connections of the whole cluster (max_connections is per cluster), keeping the labels that tell
            // clusters apart
            record: CLUSTER_CONNECTIONS,
            expr: `sum without (${L.db}, ${L.connState}) (${M.pg.backends})`,
          },

          // alerts after the records they read: rules in one group run in order, so they see this round's values
          alert(config, {
            alert: 'PostgresqlConnectionsNearMax',
            expr: `${CLUSTER_CONNECTIONS} / ${M.pg.connectionMax} > ${num(d.connectionsRatio)}`,
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
              `>= ${M.pg.connectionMax}\n` +
              `and\n${CLUSTER_CONNECTIONS} / ${M.pg.connectionMax} > ${num(d.predictMinRatio)}`,
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
            expr: `sum by (${L.db}) (increase(${M.pg.deadlocks}[5m])) > 0`,
            severity: 'warning',
            summary: `Deadlocks in database {{ $labels.${L.db} }}`,
            description:
              `{{ $value | humanize }} deadlocks in {{ $labels.${L.db} }} in the last 5 minutes: two transactions ` +
              'lock the same rows in different orders; one of them was aborted.',
          }),
          alert(config, {
            alert: 'PostgresqlErrors',
            expr: `sum by (${L.db}, ${L.errorType}) (increase(${M.pg.errors}[5m])) > 0`,
            severity: 'warning',
            summary: `PostgreSQL errors ({{ $labels.${L.errorType} }}) in database {{ $labels.${L.db} }}`,
            description:
              `{{ $value | humanize }} errors of kind {{ $labels.${L.errorType} }} in {{ $labels.${L.db} }} in the ` +
              'last 5 minutes (conflict, session_fatal, session_killed, session_abandoned, checksum_failure).',
          }),
          alert(config, {
            alert: 'PostgresqlRollbackRatioHigh',
            expr:
              `sum by (${L.db}) (rate(${M.pg.rollbacks}[5m]))\n/\n` +
              `(sum by (${L.db}) (rate(${M.pg.commits}[5m])) + sum by (${L.db}) (rate(${M.pg.rollbacks}[5m])))\n` +
              `> ${num(d.rollbackRatio)}`,
            for: '10m',
            severity: 'warning',
            summary: `{{ $value | humanizePercentage }} of transactions roll back in {{ $labels.${L.db} }}`,
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
            summary: `Statements in {{ $labels.${L.db} }} got slower`,
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
