// Shared helpers for the end-to-end tests: query Prometheus and InfluxDB, wait for a condition, emit OTLP metrics
// with the OTel JS SDK exactly as an instrumented service would.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Endpoints, readEndpoints } from '@foursignals/stack';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

export const endpoints: Endpoints = readEndpoints();

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export async function promQuery(expr: string): Promise<PromSample[]> {
  const url = `${endpoints.prometheus_url}/api/v1/query?${new URLSearchParams({ query: expr })}`;
  const res = await fetch(url);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`Prometheus query ${expr} failed: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Every sample of a range selector, e.g. `up{job="x"}[30m]`, per series. */
export async function promRange(selector: string): Promise<{ metric: Record<string, string>; values: number[] }[]> {
  const url = `${endpoints.prometheus_url}/api/v1/query?${new URLSearchParams({ query: selector })}`;
  const body = (await (await fetch(url)).json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  if (body.status !== 'success') throw new Error(`Prometheus query ${selector} failed: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, values: r.values.map((v) => Number(v[1])) }));
}

export async function influxQuery(q: string): Promise<{ columns: string[]; values: unknown[][] }[]> {
  const url = `${endpoints.influxdb_url}/query?${new URLSearchParams({ db: endpoints.influxdb_database, q, epoch: 'ms' })}`;
  const res = await fetch(url);
  const body = (await res.json()) as {
    results: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[];
  };
  const first = body.results[0];
  if (first?.error) throw new Error(`InfluxDB query ${q} failed: ${first.error}`);
  return first?.series ?? [];
}

/** Polls `probe` until it returns a value accepted by `done`; fails with the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    await sleep(500);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}; last value: ${JSON.stringify(last)} ${lastErr ?? ''}`,
  );
}

/** Wraps an exporter and counts the exports the collector accepted: the independent count for the no-loss tests. */
export class CountingExporter implements PushMetricExporter {
  accepted = 0;
  rejected = 0;
  /** Per metric name, the point values of every export the collector accepted. */
  readonly acceptedValues = new Map<string, number[]>();
  readonly inner: PushMetricExporter;
  constructor(inner: PushMetricExporter) {
    this.inner = inner;
  }
  export(metrics: ResourceMetrics, done: (r: { code: number; error?: Error }) => void): void {
    this.inner.export(metrics, (r) => {
      if (r.code === 0) {
        this.accepted++;
        for (const scope of metrics.scopeMetrics) {
          for (const metric of scope.metrics) {
            const values = this.acceptedValues.get(metric.descriptor.name) ?? [];
            for (const point of metric.dataPoints) if (typeof point.value === 'number') values.push(point.value);
            this.acceptedValues.set(metric.descriptor.name, values);
          }
        }
      } else this.rejected++;
      done(r);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  selectAggregationTemporality() {
    return AggregationTemporality.CUMULATIVE;
  }
}

/** A MeterProvider exporting OTLP http/protobuf, cumulative, to the stack's collector, as our SDKs are configured. */
export function otlpMeterProvider(serviceName: string, exportIntervalMillis = 1_000) {
  const exporter = new CountingExporter(
    new OTLPMetricExporter({
      url: `${endpoints.otlp_http_url}/v1/metrics`,
      temporalityPreference: AggregationTemporality.CUMULATIVE,
      timeoutMillis: 2_000,
    }),
  );
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis,
        exportTimeoutMillis: Math.min(2_000, exportIntervalMillis),
      }),
    ],
  });
  return { provider, exporter };
}

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
