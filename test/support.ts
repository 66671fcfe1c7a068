// Shared helpers for the end-to-end tests: query Prometheus and InfluxDB, wait for a condition, emit OTLP metrics
// with the OTel JS SDK exactly as an instrumented service would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoints } from '@foursignals/stack';
import { freePort, stackEndpoints } from '@foursignals/test-support';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { noFaults, writeFaults } from '../packages/demo/src/common/faults.ts';
import { type RunningService, startCompany, stopCompany, waitExit } from '../packages/demo/src/supervisor.ts';

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

/** RabbitMQ management API call with the stack's management user (404 is not an error). */
export async function management(method: string, path: string, body?: unknown): Promise<void> {
  const auth = Buffer.from(`${endpoints.rabbitmq_management_user}:${endpoints.rabbitmq_management_password}`);
  const res = await fetch(`${endpoints.rabbitmq_management_url}/api/${path}`, {
    method,
    headers: { authorization: `Basic ${auth.toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404) throw new Error(`${method} /api/${path}: ${res.status} ${await res.text()}`);
}

export interface OwnCompany {
  /** The service.namespace and the RabbitMQ vhost of the run. */
  namespace: string;
  services: RunningService[];
  targets: Record<'mes-api' | 'shop-api' | 'crm-api', string>;
  faultsFile: string;
  stop(): Promise<void>;
}

/**
 * The demo company on free ports, in a service.namespace and a RabbitMQ vhost of its own (so neither a background
 * demo nor another test's company drains its queue), exporting every 2 s.
 */
export async function startOwnCompany(namespace: string): Promise<OwnCompany> {
  const dir = mkdtempSync(join(tmpdir(), 'foursignals-company-'));
  const faultsFile = join(dir, 'faults.json');
  const vhost = encodeURIComponent(namespace);
  await management('PUT', `vhosts/${vhost}`, {});
  await management('PUT', `permissions/${vhost}/${endpoints.rabbitmq_management_user}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  writeFaults(faultsFile, noFaults());
  const ports = { 'mes-api': await freePort(), 'shop-api': await freePort(), 'crm-api': await freePort() };
  const services = await startCompany({
    endpoints: { ...endpoints, rabbitmq_url: `${endpoints.rabbitmq_url}/${vhost}` },
    ports,
    namespace,
    exportIntervalMs: 2000,
    faultsFile,
    logDir: dir,
  });
  return {
    namespace,
    services,
    faultsFile,
    targets: {
      'mes-api': `http://127.0.0.1:${ports['mes-api']}`,
      'shop-api': `http://127.0.0.1:${ports['shop-api']}`,
      'crm-api': `http://127.0.0.1:${ports['crm-api']}`,
    },
    stop: async () => {
      writeFaults(faultsFile, noFaults());
      stopCompany(services);
      await waitExit(services);
      // best effort: a broker restarted by another test meanwhile must not fail the test
      await management('DELETE', `vhosts/${vhost}`).catch((e: Error) =>
        console.log(`# could not delete vhost ${namespace}: ${e.message}`),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
