// The benchmark app: Express 5 (or Fastify 5 with BENCH_FRAMEWORK=fastify), GET /api/orders/:id returning a small
// JSON body. BENCH_PROM_CLIENT=1 adds the usual prom-client histogram middleware (the baseline to beat).
const framework = process.env.BENCH_FRAMEWORK || 'express';
const usePromClient = process.env.BENCH_PROM_CLIENT === '1';
let histogram;
let register;
if (usePromClient) {
  const client = require('prom-client');
  register = client.register;
  histogram = new client.Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  });
}
const order = (id) => ({ id, status: 'calculated', cost: 1234.5, currency: 'EUR' });

// run.ts --mode profile: exit normally (so --cpu-prof writes its profile) after a while.
if (process.env.BENCH_EXIT_AFTER_MS !== undefined) {
  setTimeout(() => process.exit(0), Number(process.env.BENCH_EXIT_AFTER_MS));
}

// A/B switch for run.ts --mode ab: a side server turns the instrumentation off and on inside this one process, so
// both halves see the same machine noise. For otel-bootstrap it unsubscribes its diagnostics_channel listeners; for
// prom-client the middleware stays in the chain but skips its work.
let promOn = true;
if (process.env.BENCH_AB_PORT !== undefined) {
  const state = () => globalThis[Symbol.for('foursignals.otel-bootstrap.state')];
  require('node:http')
    .createServer((req, res) => {
      const on = req.url === '/on';
      promOn = on;
      const s = state();
      if (s) {
        if (on) s.http.subscribe();
        else s.http.unsubscribe();
      }
      res.end(on ? 'on' : 'off');
    })
    .listen(Number(process.env.BENCH_AB_PORT), '127.0.0.1');
}

function ready(port) {
  process.stdout.write(`${JSON.stringify({ port, readyMs: performance.now() })}\n`);
}

if (framework === 'fastify') {
  const app = require('fastify')();
  if (usePromClient) {
    app.addHook('onResponse', (req, reply, done) => {
      if (!promOn) return done();
      histogram.observe(
        {
          http_request_method: req.method,
          http_route: req.routeOptions.url ?? '',
          http_response_status_code: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.get('/metrics', async (_req, reply) => reply.type(register.contentType).send(await register.metrics()));
  }
  app.get('/api/orders/:id', async (req) => order(req.params.id));
  app.listen({ port: 0, host: '127.0.0.1' }).then(() => ready(app.server.address().port));
} else {
  const express = require('express');
  const app = express();
  if (usePromClient) {
    app.use((req, res, next) => {
      if (!promOn) return next();
      const end = histogram.startTimer();
      res.on('finish', () => {
        end({
          http_request_method: req.method,
          http_route: req.route ? req.baseUrl + req.route.path : '',
          http_response_status_code: res.statusCode,
        });
      });
      next();
    });
    app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
  }
  app.get('/api/orders/:id', (req, res) => res.json(order(req.params.id)));
  const server = app.listen(0, '127.0.0.1', () => ready(server.address().port));
}
