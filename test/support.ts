// Shared helpers for the end-to-end tests: query Prometheus and InfluxDB, wait for a condition, emit OTLP metrics
// with the OTel JS SDK exactly as an instrumented service would.
import type { Endpoints } from '@foursignals/stack';
import { stackEndpoints } from '@foursignals/test-support';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

export const endpoints: Endpoints = stackEndpoints();

export {
  influxQuery,
  type PromSample,
  promQuery,
  promRange,
  waitFor,
} from '@foursignals/test-support';

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
