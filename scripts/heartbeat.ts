// A minimal instrumented app: a counter through the collector into Prometheus and InfluxDB, so `npm start` shows
// the pipeline carrying data end to end.
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { readEndpoints } from '../packages/stack/src/endpoints.ts';

export async function startHeartbeat(): Promise<void> {
  const e = readEndpoints();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'foursignals-heartbeat' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          url: `${e.otlp_http_url}/v1/metrics`,
          temporalityPreference: AggregationTemporality.CUMULATIVE,
        }),
        exportIntervalMillis: 5_000,
      }),
    ],
  });
  const beats = provider.getMeter('heartbeat').createCounter('foursignals.heartbeat', { unit: '{beat}' });
  const timer = setInterval(() => beats.add(1), 1_000);
  console.log(
    `\nheartbeat: sending foursignals.heartbeat every second; see it at ${e.prometheus_url}/graph?g0.expr=foursignals_heartbeat_total`,
  );
  console.log('Ctrl-C to stop (the stack keeps running: `npm run stack -- down` stops it).');
  const stop = async () => {
    clearInterval(timer);
    await provider.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
