// A host on @opentelemetry/api 1.9 (alias `api19`) with its own MeterProvider and OTLP exporter (the SDK's), beside
// the bootstrap: its counter goes out through its own pipeline, the bootstrap's HTTP metric through ours.
const http = require('node:http');
const api = require('api19');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME, 'service.instance.id': 'host' }),
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: process.env.HOST_OTLP_METRICS_URL }),
      exportIntervalMillis: 1000,
    }),
  ],
});
const registered = api.metrics.setGlobalMeterProvider(provider);
const orders = api.metrics.getMeter('host-app').createCounter('app.host.orders', { unit: '{order}' });

const server = http.createServer((req, res) => {
  orders.add(2);
  res.end('ok');
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port, registered })}\n`),
);
process.on('SIGTERM', () => provider.shutdown().finally(() => process.exit(0)));
