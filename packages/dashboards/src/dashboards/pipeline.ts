// The pipeline: receivers' health and scrape duration, the collector's queues and export failures, freshness.
import type { AlertConfig } from '../config.ts';
import { L, M, OTELCOL, PROMETHEUS_SELF, SOURCES } from '../metrics.ts';
import { failedPointsRate, RECEIVER_HEARTBEAT, SERVICE_HEARTBEAT } from '../rules/pipeline.ts';
import { type Dashboard, dashboard, prom, single, ts } from './lib.ts';

export function pipelineDashboard(config: AlertConfig): Dashboard {
  return dashboard({
    uid: 'foursignals-pipeline',
    title: 'foursignals / Pipeline',
    description:
      `Is the monitoring itself working? ${SOURCES.receiver.up.name} and scrape duration of every receiver instance, the ` +
      "collector's accepted/sent/failed points and sending queues, and the age of the newest data per source.",
    tags: ['pipeline', 'collector'],
    items: [
      { row: 'Receivers' },
      ts(
        `${SOURCES.receiver.up.name}`,
        [prom(`max by (${L.receiverName}, ${L.receiverTarget}) (${M.receiver.up})`, `{{${L.receiverName}}}`)],
        {
          description: `${SOURCES.receiver.up.name} of each receiver instance: 1 = the last scrape reached its target (alert ReceiverDown).`,
          min: 0,
          max: 1,
        },
      ),
      ts(
        'Scrape duration',
        [prom(`max by (${L.receiverName}) (${M.receiver.scrapeDuration})`, `{{${L.receiverName}}}`)],
        { description: `${SOURCES.receiver.scrapeDuration.name} of each receiver instance.`, unit: 's', min: 0 },
      ),
      { row: 'Collector' },
      ts(
        'Metric points accepted per second by receiver',
        [
          prom(`sum by (receiver) (rate(${OTELCOL.acceptedPoints}[$__rate_interval]))`, 'accepted {{receiver}}'),
          prom(`sum by (receiver) (rate(${OTELCOL.refusedPoints}[$__rate_interval]))`, 'refused {{receiver}}'),
        ],
        { description: 'Points the collector accepted and refused per second, by its receiver.', unit: 'short' },
      ),
      ts(
        'Metric points sent and failed per second by exporter',
        [
          prom(`sum by (${L.exporter}) (rate(${OTELCOL.sentPoints}[$__rate_interval]))`, 'sent {{exporter}}'),
          prom(failedPointsRate('$__rate_interval'), 'failed {{exporter}}'),
        ],
        { description: 'Points sent and failed per second by exporter (alert CollectorExportFailing).', unit: 'short' },
      ),
      ts(
        'Sending queue fill',
        [prom(`max by (${L.exporter}) (${OTELCOL.queueSize} / ${OTELCOL.queueCapacity})`, '{{exporter}}')],
        {
          description: 'otelcol_exporter_queue_size / capacity by exporter (alert CollectorQueueFilling).',
          unit: 'percentunit',
          min: 0,
          max: 1,
          threshold: config.pipeline.queueRatio,
          span: 24,
        },
      ),
      { row: 'Freshness' },
      ts(
        'Data age by service',
        [prom(`time() - max by (${L.service}) (timestamp(${SERVICE_HEARTBEAT}))`, `{{${L.service}}}`)],
        {
          description: `Seconds since the newest sample of each service (alert PipelineServiceDataStale above ${config.pipeline.staleAfter}).`,
          unit: 's',
          min: 0,
        },
      ),
      ts(
        'Data age by receiver',
        [prom(`time() - max by (${L.receiverName}) (timestamp(${RECEIVER_HEARTBEAT}))`, `{{${L.receiverName}}}`)],
        {
          description: `Seconds since the newest sample of each receiver instance (alert PipelineReceiverDataStale above ${config.pipeline.staleAfter}).`,
          unit: 's',
          min: 0,
        },
      ),
      single('Series in Prometheus', [prom(PROMETHEUS_SELF.headSeries)], {
        description: 'Active series in the Prometheus head block (cardinality of everything the pipeline writes).',
        span: 24,
      }),
    ],
  });
}
