import type { Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type IMetricReader,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { ExportConfig } from '../config/config.ts';

/** The process's meter provider and its readers: OTLP http/protobuf (cumulative) and/or a Prometheus endpoint. */
export interface Telemetry {
  meter: Meter;
  provider: MeterProvider;
  prometheus?: PrometheusExporter;
  /** Collects and pushes now (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** `onFatal` is called when an export endpoint cannot start (the Prometheus port is taken). */
export function startTelemetry(config: ExportConfig, version: string, onFatal?: (error: Error) => void): Telemetry {
  const readers: IMetricReader[] = [];
  if (config.otlp) {
    const exporter = new OTLPMetricExporter({
      url: config.otlp.url,
      headers: config.otlp.headers,
      timeoutMillis: config.otlp.timeoutMs,
      // Prometheus remote write and InfluxDB both want cumulative sums.
      temporalityPreference: AggregationTemporality.CUMULATIVE,
    });
    readers.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: config.otlp.intervalMs,
        exportTimeoutMillis: config.otlp.timeoutMs,
      }),
    );
  }
  let prometheus: PrometheusExporter | undefined;
  if (config.prometheus) {
    const where = `${config.prometheus.host}:${config.prometheus.port}`;
    prometheus = new PrometheusExporter({ host: config.prometheus.host, port: config.prometheus.port }, (error) => {
      if (error) onFatal?.(new Error(`cannot serve Prometheus metrics on ${where}: ${error.message}`));
    });
    readers.push(prometheus);
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.version': version, ...config.resource }),
    readers,
  });
  const meter = provider.getMeter('@foursignals/receivers', version);
  return {
    meter,
    provider,
    prometheus,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
