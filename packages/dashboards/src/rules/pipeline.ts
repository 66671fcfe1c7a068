// The pipeline itself: receivers down, the collector failing to export or filling its queue, and data that stopped
// arriving. Everything reaches Prometheus through the pipeline, so a stall shows as stale or absent series: those
// alerts page, a silent pipeline must never look calm. The age of the newest sample is taken over the last hour (a
// subquery), so it keeps climbing after a source stops, past Prometheus' 5-minute lookback; from 10 minutes of silence
// the absent alerts take over for the sources listed in the config.
import type { AlertConfig } from '../config.ts';
import { durationSeconds } from '../config.ts';
import { L, M, OTELCOL } from '../metrics.ts';
import { type AlertingRule, alert, num, type RuleFile, recordName } from './common.ts';

/** The series every instrumented service sends with each export (its heartbeat). */
export const SERVICE_HEARTBEAT = M.app.memoryUsage;
/** The series every receiver instance sends with each scrape. */
export const RECEIVER_HEARTBEAT = M.receiver.up;
/** Seconds since the newest sample of each service / receiver instance. */
export const SERVICE_DATA_AGE = recordName([L.service], 'foursignals_data_age', 'seconds');
export const RECEIVER_DATA_AGE = recordName([L.receiverName], 'foursignals_data_age', 'seconds');

/**
 * Failed points per second by exporter. The collector creates the failure counter only at the first failure, so the
 * sent counter times 0 stands in for exporters that never failed (a graph shows 0, not "no data").
 */
export function failedPointsRate(window: string): string {
  return (
    `sum by (${L.exporter}) (rate(${OTELCOL.failedPoints}[${window}]))\n` +
    `or\nsum by (${L.exporter}) (rate(${OTELCOL.sentPoints}[${window}])) * 0`
  );
}

export function pipelineRules(config: AlertConfig): RuleFile {
  const p = config.pipeline;
  const stale = num(durationSeconds(p.staleAfter));
  const absent: AlertingRule[] = [
    ...p.services.map((s) =>
      alert(config, {
        alert: 'PipelineServiceDataAbsent',
        expr: `absent_over_time(${SERVICE_HEARTBEAT}{${L.service}="${s}"}[10m])`,
        for: '1m',
        severity: 'critical',
        labels: { [L.service]: s },
        summary: `No metrics from ${s} for 10 minutes`,
        description:
          `Prometheus has received nothing from ${s} for 10 minutes: the service is down, its exporter cannot ` +
          'reach the collector, or the collector cannot write to Prometheus.',
      }),
    ),
    ...p.receivers.map((r) =>
      alert(config, {
        alert: 'PipelineReceiverDataAbsent',
        expr: `absent_over_time(${RECEIVER_HEARTBEAT}{${L.receiverName}="${r}"}[10m])`,
        for: '1m',
        severity: 'critical',
        labels: { [L.receiverName]: r },
        summary: `No metrics from receiver ${r} for 10 minutes`,
        description:
          `Prometheus has received nothing from the receiver instance ${r} for 10 minutes: the receivers process ` +
          'is down, it cannot reach the collector, or the collector cannot write to Prometheus.',
      }),
    ),
  ];
  return {
    name: 'pipeline',
    groups: [
      {
        name: 'foursignals-pipeline',
        rules: [
          {
            record: SERVICE_DATA_AGE,
            expr: `time() - max by (${L.service}) (last_over_time(timestamp(${SERVICE_HEARTBEAT})[1h:15s]))`,
          },
          {
            record: RECEIVER_DATA_AGE,
            expr: `time() - max by (${L.receiverName}) (last_over_time(timestamp(${RECEIVER_HEARTBEAT})[1h:15s]))`,
          },

          // alerts after the records they read: rules in one group run in order, so they see this round's values
          alert(config, {
            alert: 'ReceiverDown',
            expr: `max by (${L.receiverName}, ${L.receiverTarget}) (${M.receiver.up}) == 0`,
            for: p.receiverDownFor,
            severity: 'critical',
            summary: `Receiver {{ $labels.${L.receiverName} }} cannot reach {{ $labels.${L.receiverTarget} }}`,
            description:
              `The receiver instance {{ $labels.${L.receiverName} }} has failed every scrape of ` +
              `{{ $labels.${L.receiverTarget} }} for ${p.receiverDownFor}: its signals are missing, not zero.`,
          }),
          alert(config, {
            alert: 'CollectorExportFailing',
            expr: `sum by (${L.exporter}) (rate(${OTELCOL.failedPoints}[5m])) > 0`,
            for: '5m',
            severity: 'critical',
            summary: `The collector fails to export metrics through {{ $labels.${L.exporter} }}`,
            description:
              'The collector has failed to send {{ printf "%.2f" $value }} metric points per second through exporter ' +
              `{{ $labels.${L.exporter} }} for 5 minutes: the backend is down or refuses the writes; once the ` +
              'sending queue is full, data is dropped.',
          }),
          alert(config, {
            alert: 'CollectorQueueFilling',
            expr:
              `max by (${L.exporter}) (${OTELCOL.queueSize} / ${OTELCOL.queueCapacity})` + ` > ${num(p.queueRatio)}`,
            for: '5m',
            severity: 'warning',
            summary: `The collector queue of {{ $labels.${L.exporter} }} is {{ $value | humanizePercentage }} full`,
            description:
              `The sending queue of exporter {{ $labels.${L.exporter} }} has been more than ` +
              `${num(p.queueRatio * 100)}% full for 5 minutes: the backend is slower than the incoming data; ` +
              'when it is full the collector drops data.',
          }),
          alert(config, {
            alert: 'PipelineServiceDataStale',
            expr: `${SERVICE_DATA_AGE} > ${stale}`,
            for: '1m',
            severity: 'critical',
            summary: `Metrics from {{ $labels.${L.service} }} stopped arriving`,
            description:
              `The newest sample from {{ $labels.${L.service} }} is {{ $value | humanizeDuration }} old (limit ` +
              `${p.staleAfter}): the service, its export or the collector's remote write is stalled.`,
          }),
          alert(config, {
            alert: 'PipelineReceiverDataStale',
            expr: `${RECEIVER_DATA_AGE} > ${stale}`,
            for: '1m',
            severity: 'critical',
            summary: `Metrics from receiver {{ $labels.${L.receiverName} }} stopped arriving`,
            description:
              `The newest sample from the receiver instance {{ $labels.${L.receiverName} }} is ` +
              `{{ $value | humanizeDuration }} old (limit ${p.staleAfter}): the receivers process, its export or the ` +
              "collector's remote write is stalled.",
          }),
          ...absent,
        ],
      },
    ],
  };
}
