// Loaded lazily (dynamic import) when the first export is due, so the host's start-up does not pay for the SDK and
// the exporter. Everything the hot paths pre-aggregated is handed to the SDK here, at collection time, through the
// reader's `metricProducers`.

import { hostname } from 'node:os';
import type { Attributes, DiagLogger, HrTime } from '@opentelemetry/api';
import { DiagLogLevel, diag, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { MetricData, MetricProducer, MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Config } from './config.ts';
import type { Cell, KeyedCounter } from './histogram.ts';
import { debug, describe, error } from './log.ts';
import type { MetricDef } from './metrics.ts';
import { METRICS } from './metrics.ts';
import type { State } from './state.ts';
import { VERSION } from './version.ts';

export interface SdkHandle {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

function hrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function descriptor(def: MetricDef) {
  return { name: def.name, description: def.description, unit: def.unit, valueType: ValueType.DOUBLE };
}

function histogram(
  def: MetricDef,
  bounds: readonly number[],
  cells: Iterable<Cell>,
  start: HrTime,
  end: HrTime,
): MetricData | undefined {
  const dataPoints = [];
  for (const c of cells) {
    if (c.count === 0) continue;
    dataPoints.push({
      startTime: start,
      endTime: end,
      attributes: c.attributes as Attributes,
      value: {
        buckets: { boundaries: bounds as number[], counts: Array.from(c.counts) },
        count: c.count,
        sum: c.sum,
        min: c.min,
        max: c.max,
      },
    });
  }
  if (dataPoints.length === 0) return undefined;
  return {
    descriptor: descriptor(def),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints,
  };
}

function sum(
  def: MetricDef,
  monotonic: boolean,
  points: { attributes: Attributes; value: number }[],
  start: HrTime,
  end: HrTime,
): MetricData | undefined {
  if (points.length === 0) return undefined;
  return {
    descriptor: descriptor(def),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: monotonic,
    dataPoints: points.map((p) => ({ startTime: start, endTime: end, attributes: p.attributes, value: p.value })),
  };
}

function gauge(
  def: MetricDef,
  points: { attributes: Attributes; value: number }[],
  end: HrTime,
): MetricData | undefined {
  if (points.length === 0) return undefined;
  return {
    descriptor: descriptor(def),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: points.map((p) => ({ startTime: end, endTime: end, attributes: p.attributes, value: p.value })),
  };
}

function counterPoints(c: KeyedCounter) {
  return [...c.values.values()].map((v) => ({ attributes: v.attributes as Attributes, value: v.value }));
}

/** Builds every metric from the pre-aggregated state. Exported for tests. */
export async function collectMetrics(state: State): Promise<MetricData[]> {
  const start = hrTime(state.startTime);
  const end = hrTime(Date.now());
  const out: (MetricData | undefined)[] = [];
  const { http, libs, runtime, dau } = state;
  out.push(histogram(METRICS.httpServerDuration, http.bounds, http.cells(), start, end));
  out.push(histogram(METRICS.s3ClientDuration, libs.s3.bounds, libs.s3.all(), start, end));
  out.push(histogram(METRICS.dbClientDuration, libs.db.bounds, libs.db.all(), start, end));
  out.push(sum(METRICS.messagingSent, true, counterPoints(libs.sent), start, end));
  out.push(sum(METRICS.messagingConsumed, true, counterPoints(libs.consumed), start, end));
  const overflow: { attributes: Attributes; value: number }[] = [];
  if (http.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.httpServerDuration.name }, value: http.overflowCount });
  if (libs.s3.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.s3ClientDuration.name }, value: libs.s3.overflowCount });
  if (libs.db.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.dbClientDuration.name }, value: libs.db.overflowCount });
  out.push(sum(METRICS.seriesDropped, true, overflow, start, end));
  if (runtime !== undefined) {
    const r = runtime.read();
    out.push(
      gauge(
        METRICS.cpuUtilization,
        [
          { attributes: { 'cpu.mode': 'user' }, value: r.cpuUser },
          { attributes: { 'cpu.mode': 'system' }, value: r.cpuSystem },
        ],
        end,
      ),
    );
    out.push(
      sum(
        METRICS.cpuTime,
        true,
        [
          { attributes: { 'cpu.mode': 'user' }, value: r.cpuTimeUser },
          { attributes: { 'cpu.mode': 'system' }, value: r.cpuTimeSystem },
        ],
        start,
        end,
      ),
    );
    out.push(sum(METRICS.memoryUsage, false, [{ attributes: {}, value: r.rss }], start, end));
    out.push(
      sum(
        METRICS.heapUsed,
        false,
        r.heap.map((h) => ({ attributes: { 'v8js.heap.space.name': h.space }, value: h.used })),
        start,
        end,
      ),
    );
    out.push(
      sum(
        METRICS.heapLimit,
        false,
        r.heap.map((h) => ({ attributes: { 'v8js.heap.space.name': h.space }, value: h.size })),
        start,
        end,
      ),
    );
    out.push(gauge(METRICS.eventLoopUtilization, [{ attributes: {}, value: r.elu }], end));
    out.push(gauge(METRICS.eventLoopDelayP99, [{ attributes: {}, value: r.delayP99 }], end));
    out.push(gauge(METRICS.eventLoopDelayMax, [{ attributes: {}, value: r.delayMax }], end));
    out.push(gauge(METRICS.eventLoopDelayMean, [{ attributes: {}, value: r.delayMean }], end));
  }
  if (dau !== undefined && dau.source.kind !== 'none') {
    const c = await dau.counts();
    out.push(
      gauge(
        METRICS.usersActive,
        [
          { attributes: { 'app.users.window': 'day' }, value: c.day },
          { attributes: { 'app.users.window': 'week' }, value: c.week },
          { attributes: { 'app.users.window': 'month' }, value: c.month },
        ],
        end,
      ),
    );
  }
  return out.filter((m): m is MetricData => m !== undefined);
}

function diagLogger(): DiagLogger {
  // The SDK's global error handler passes errors as JSON strings; print their message only.
  const text = (msg: string): string => {
    if (msg.startsWith('{')) {
      try {
        const m = (JSON.parse(msg) as { message?: unknown }).message;
        if (typeof m === 'string') return m;
      } catch {
        // not JSON after all
      }
    }
    return msg;
  };
  const fmt = (msg: string, args: unknown[]) =>
    [text(msg), ...args.map((a) => (a instanceof Error ? describe(a) : typeof a === 'string' ? a : ''))]
      .join(' ')
      .trim();
  const keyOf = (msg: string) => `diag:${text(msg).replace(/\(.*$/, '').slice(0, 80)}`;
  return {
    error: (msg, ...args) => error(keyOf(msg), fmt(msg, args)),
    warn: (msg, ...args) => error(keyOf(msg), fmt(msg, args)),
    info: (msg, ...args) => debug(fmt(msg, args)),
    debug: (msg, ...args) => debug(fmt(msg, args)),
    verbose: () => {},
  };
}

async function otlpExporter(config: Config): Promise<PushMetricExporter> {
  const common = {
    url: config.endpoint,
    headers: config.headers,
    timeoutMillis: config.timeoutMillis,
    temporalityPreference: AggregationTemporality.CUMULATIVE,
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

export async function startSdk(state: State): Promise<SdkHandle> {
  const config = state.config;
  const levels = {
    none: DiagLogLevel.NONE,
    error: DiagLogLevel.ERROR,
    warn: DiagLogLevel.WARN,
    info: DiagLogLevel.INFO,
    debug: DiagLogLevel.DEBUG,
  };
  diag.setLogger(diagLogger(), { logLevel: levels[config.logLevel], suppressOverrideMessage: true });

  // Detected values first, then OTEL_RESOURCE_ATTRIBUTES (the user's word wins), then OTEL_SERVICE_NAME.
  const resource = resourceFromAttributes({
    'host.name': hostname(),
    'service.instance.id': state.instanceId,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.distro.name': '@foursignals/otel-bootstrap',
    'telemetry.distro.version': VERSION,
  });
  const scope = { name: '@foursignals/otel-bootstrap', version: VERSION };
  const producer: MetricProducer = {
    async collect() {
      try {
        return {
          resourceMetrics: { resource, scopeMetrics: [{ scope, metrics: await collectMetrics(state) }] },
          errors: [],
        };
      } catch (err) {
        error('collect', `collection failed: ${describe(err)}`);
        return { resourceMetrics: { resource, scopeMetrics: [] }, errors: [err] };
      }
    },
  };

  let reader: MetricReader;
  if (config.exporter === 'prometheus') {
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
    reader = new PrometheusExporter(
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
  } else {
    const exporter = config.exporter === 'console' ? new ConsoleMetricExporter() : await otlpExporter(config);
    reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: config.exportIntervalMillis,
      exportTimeoutMillis: Math.min(config.exportTimeoutMillis, config.exportIntervalMillis),
      metricProducers: [producer],
    });
  }
  const provider = new MeterProvider({ resource, readers: [reader] });
  // Let the host's own OpenTelemetry API metrics flow through the same pipeline.
  state.apiProxy?.setDelegate(provider);
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
