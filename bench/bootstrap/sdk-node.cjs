// The fair official baseline: @opentelemetry/sdk-node with only the http and express instrumentations, traces off
// (OTEL_TRACES_EXPORTER=none), metrics through the OTLP http/protobuf exporter every OTEL_METRIC_EXPORT_INTERVAL.
// Preloaded with --require like the bootstrap.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
const { PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');

const sdk = new NodeSDK({
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL || 60000),
    }),
  ],
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
});
sdk.start();
