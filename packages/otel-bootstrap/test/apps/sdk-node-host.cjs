// A host with its own tracing: @opentelemetry/sdk-node with the auto-instrumentations (http and express on), spans
// to an OTLP/HTTP JSON sink (HOST_TRACES_URL), its metrics to the collector (HOST_OTLP_METRICS_URL). Beside the
// bootstrap, @opentelemetry/instrumentation-http records its own http.server.request.duration: in Prometheus the
// two are told apart by otel_scope_name.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');

const instrumentations = getNodeAutoInstrumentations();
const only = new Set(['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-express']);
const sdk = new NodeSDK({
  traceExporter: new OTLPTraceExporter({ url: process.env.HOST_TRACES_URL }),
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: process.env.HOST_OTLP_METRICS_URL }),
      exportIntervalMillis: 1000,
    }),
  ],
  instrumentations: instrumentations.filter((i) => only.has(i.instrumentationName)),
});
sdk.start();

const express = require('express');
const app = express();
app.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
