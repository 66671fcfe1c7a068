// A host with its own OpenTelemetry on the API copy named by HOST_API (`@opentelemetry/api`, or the test aliases
// `api19`, `api14`): it registers a tracer provider, a meter provider, a propagator and a context manager (minimal
// hand-written ones, so every API version gets the same), uses each, and prints what happened as one JSON line.
// The test runs it with and without the bootstrap and expects the same line. With WAIT_FOR_SDK=<port> it first waits
// until the bootstrap's SDK serves Prometheus on that port (the SDK path is loaded before the host registers).
const http = require('node:http');
const api = require(process.env.HOST_API);

function waitForPort(port) {
  return new Promise((resolve) => {
    const attempt = () => {
      const req = http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => setTimeout(attempt, 50));
    };
    attempt();
  });
}

async function main() {
  if (process.env.WAIT_FOR_SDK) await waitForPort(Number(process.env.WAIT_FOR_SDK));
  // Used before registration: the tracer comes from the API's proxy and must follow the later registration.
  const early = api.trace.getTracer('early');

  const spans = [];
  const tracerProvider = {
    getTracer: (name) => ({
      startSpan: (spanName) => {
        const span = { name: `${name}/${spanName}`, ended: false };
        spans.push(span);
        return {
          end: () => {
            span.ended = true;
          },
          spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }),
          isRecording: () => true,
          setAttribute() {
            return this;
          },
        };
      },
      startActiveSpan: () => undefined,
    }),
  };
  const measurements = [];
  const meterProvider = {
    getMeter: (meterName) => ({
      createCounter: (name) => ({ add: (v) => measurements.push(`${meterName}/${name}+${v}`) }),
    }),
  };
  const propagator = {
    inject: (_ctx, carrier, setter) => setter.set(carrier, 'x-host', 'injected'),
    extract: (ctx) => ctx,
    fields: () => ['x-host'],
  };
  const KEY = api.createContextKey('host');
  let active = api.ROOT_CONTEXT;
  const contextManager = {
    active: () => active,
    with: (ctx, fn, thisArg, ...args) => {
      const prev = active;
      active = ctx;
      try {
        return fn.call(thisArg, ...args);
      } finally {
        active = prev;
      }
    },
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  };

  const registered = {
    tracer: api.trace.setGlobalTracerProvider(tracerProvider),
    meter: api.metrics.setGlobalMeterProvider(meterProvider),
    propagator: api.propagation.setGlobalPropagator(propagator),
    context: api.context.setGlobalContextManager(contextManager),
  };

  early.startSpan('a').end();
  api.trace.getTracer('late').startSpan('b').end();
  api.metrics.getMeter('host').createCounter('orders').add(3);
  const carrier = {};
  api.propagation.inject(api.context.active(), carrier);
  const seen = api.context.with(api.ROOT_CONTEXT.setValue(KEY, 'v'), () => api.context.active().getValue(KEY));

  const slot = globalThis[Symbol.for('opentelemetry.js.api.1')];
  process.stdout.write(
    `${JSON.stringify({
      registered,
      spans,
      measurements,
      carrier,
      fields: api.propagation.fields(),
      contextValue: seen,
      slotVersion: slot?.version,
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
