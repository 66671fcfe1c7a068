// The OpenTelemetry SDK path, loaded lazily (dynamic import) and only when needed: for the gRPC, http/json,
// Prometheus and console exporters, and when the application uses the OpenTelemetry API itself (its instruments need
// a real MeterProvider). Everything the hot paths pre-aggregated is handed to the SDK at collection time, through
// the reader's `metricProducers`. The default OTLP http/protobuf path (otlp.ts) never loads this file.

import type { Attributes, HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { MetricData, MetricProducer, MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Collection } from '../aggregation/collect.ts';
import { collect, DeltaTracker } from '../aggregation/collect.ts';
import type { Config } from '../config.ts';
import { describe, error } from '../log.ts';
import type { MetricDef } from '../metrics.ts';
import { SCOPE_NAME } from '../metrics.ts';
import type { State } from '../state.ts';
import { VERSION } from '../version.ts';
import type { ExportHandle } from './otlp.ts';
import { resourceAttributes } from './resource.ts';

function hrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function descriptor(def: MetricDef) {
  return { name: def.name, description: def.description, unit: def.unit, valueType: ValueType.DOUBLE };
}

/** Our plain records as SDK MetricData (cumulative). */
export function toMetricData(c: Collection): MetricData[] {
  const start = hrTime(c.startMs);
  const end = hrTime(c.endMs);
  return c.metrics.map((m): MetricData => {
    const temporality =
      m.type !== 'gauge' && m.delta === true ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const base = { descriptor: descriptor(m.def), aggregationTemporality: temporality };
    if (m.type === 'histogram') {
      return {
        ...base,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: m.points.map((p) => ({
          startTime: start,
          endTime: end,
          attributes: p.attributes as Attributes,
          value: {
            buckets: { boundaries: p.bounds as number[], counts: p.counts },
            count: p.count,
            sum: p.sum,
            min: Number.isNaN(p.min) ? undefined : p.min,
            max: Number.isNaN(p.max) ? undefined : p.max,
          },
        })),
      };
    }
    const points = m.points.map((p) => ({
      startTime: m.type === 'gauge' ? end : start,
      endTime: end,
      attributes: p.attributes as Attributes,
      value: p.value,
    }));
    if (m.type === 'sum')
      return { ...base, dataPointType: DataPointType.SUM, isMonotonic: m.monotonic, dataPoints: points };
    return { ...base, dataPointType: DataPointType.GAUGE, dataPoints: points };
  });
}

/** Logs the failed exports of our own exporter (rate-limited by log.ts). */
function logFailures(exporter: PushMetricExporter, target: string): PushMetricExporter {
  const send = exporter.export.bind(exporter);
  exporter.export = (metrics, done) =>
    send(metrics, (result) => {
      if (result.code !== 0) {
        error('sdk:export', `metrics export to ${target} failed: ${describe(result.error ?? 'unknown error')}`);
      }
      done(result);
    });
  return exporter;
}

async function otlpExporter(config: Config): Promise<PushMetricExporter> {
  const common = {
    url: config.endpoint,
    headers: config.headers,
    timeoutMillis: config.timeoutMillis,
    // The exporters' AggregationTemporalityPreference (DELTA 0, CUMULATIVE 1, LOWMEMORY 2), for the host's own
    // instruments; our pre-aggregated data comes through the producer, already in the chosen temporality.
    temporalityPreference: { cumulative: 1, delta: 0, lowmemory: 2 }[config.temporality],
    compression: config.compression as never,
  };
  if (config.protocol === 'grpc') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
    const { headers: _h, ...rest } = common;
    return new OTLPMetricExporter(rest) as unknown as PushMetricExporter;
  }
  if (config.protocol === 'http/json') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
    return new OTLPMetricExporter(common) as unknown as PushMetricExporter;
  }
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter(common) as unknown as PushMetricExporter;
}

export async function startSdk(state: State): Promise<ExportHandle> {
  const config = state.config;
  // No diag.setLogger (nor core's setGlobalErrorHandler): diag.setLogger would create the API's global slot with our
  // API version and break a host on another 1.x (its registrations would return false); both would take over the
  // host's own logging. Export failures are logged by wrapping our exporter instead.

  const resource = resourceFromAttributes(resourceAttributes(state));
  const scope = { name: SCOPE_NAME, version: VERSION };
  const producerOf = (delta: DeltaTracker | undefined): MetricProducer => ({
    async collect() {
      try {
        const c = await collect(state);
        const metrics = toMetricData(delta === undefined ? c : delta.apply(c));
        return { resourceMetrics: { resource, scopeMetrics: [{ scope, metrics }] }, errors: [] };
      } catch (err) {
        error('collect', `collection failed: ${describe(err)}`);
        return { resourceMetrics: { resource, scopeMetrics: [] }, errors: [err] };
      }
    },
  });
  // Pull (Prometheus) and console stay cumulative; the OTLP push follows the temporality preference.
  const producer = producerOf(undefined);
  const pushProducer = config.temporality === 'cumulative' ? producer : producerOf(new DeltaTracker());

  const readers: MetricReader[] = [];
  for (const kind of config.exporters) {
    if (kind === 'prometheus') {
      const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
      const reader = new PrometheusExporter(
        {
          host: config.prometheusHost,
          port: config.prometheusPort,
          metricProducers: [producer as never],
          withResourceConstantLabels: /^(service\.name|service\.namespace|service\.instance\.id)$/,
        },
        (err) => {
          if (err)
            error(
              'prometheus',
              `Prometheus exporter could not listen on ${config.prometheusHost}:${config.prometheusPort}: ${describe(err)}`,
            );
        },
      ) as unknown as MetricReader;
      // Scrapes of our own endpoint are not the application's traffic.
      state.http.ignoredServer = (reader as unknown as { _server?: unknown })._server;
      readers.push(reader);
    } else if (kind === 'console' || kind === 'otlp') {
      const exporter =
        kind === 'console' ? new ConsoleMetricExporter() : logFailures(await otlpExporter(config), config.endpoint);
      readers.push(
        new PeriodicExportingMetricReader({
          exporter,
          exportIntervalMillis: config.exportIntervalMillis,
          exportTimeoutMillis: Math.min(config.exportTimeoutMillis, config.exportIntervalMillis),
          metricProducers: [kind === 'otlp' ? pushProducer : producer],
        }),
      );
    }
  }
  const provider = new MeterProvider({ resource, readers });
  // Let the host's own OpenTelemetry API metrics flow through the same pipeline.
  state.apiProxy?.setDelegate(provider);
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
