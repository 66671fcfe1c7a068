// The bootstrap beside the host's own OpenTelemetry: it never creates nor claims the @opentelemetry/api global
// slot, so a host on any API 1.x registers its tracer, meter, propagator and context manager exactly as without it;
// a host MeterProvider's metrics and ours both reach Prometheus; a host with sdk-node tracing gets its spans to its
// OTLP endpoint, and its instrumentation-http duration metric stays apart from ours by instrumentation scope.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { freePort } from '@foursignals/test-support';
import { SCOPE_NAME } from '../src/metrics.ts';
import {
  type App,
  byKey,
  endpoints,
  load,
  otlpEnv,
  runScript,
  sameCounts,
  startApp,
  unexpectedStderr,
  uniqueService,
  waitForQuery,
} from './helpers.ts';

const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

// api14 and api19 are npm aliases in devDependencies (@opentelemetry/api 1.4.1 and 1.9.0); 1.10 is the real one.
for (const hostApi of ['api14', 'api19', '@opentelemetry/api']) {
  test(`a host on ${hostApi} registers and uses its own providers exactly as without the bootstrap`, async () => {
    const without = await runScript('host-api.cjs', { HOST_API: hostApi }, 'none');
    assert.equal(without.code, 0, without.stderr);
    const reg = without.out['registered'] as Record<string, boolean>;
    assert.deepEqual(reg, { tracer: true, meter: true, propagator: true, context: true });
    assert.equal((without.out['spans'] as unknown[]).length, 2);

    // Default path (built-in exporter, no SDK) and the SDK path loaded before the host registers anything.
    const port = await freePort();
    const variants: Record<string, string>[] = [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: String(port), WAIT_FOR_SDK: String(port) },
    ];
    for (const env of variants) {
      for (const preload of ['require-dir', 'import-register'] as const) {
        const withUs = await runScript('host-api.cjs', { HOST_API: hostApi, ...env }, preload);
        assert.equal(withUs.code, 0, withUs.stderr);
        assert.deepEqual(withUs.out, without.out, `${JSON.stringify(env)} ${preload}`);
        assert.equal(unexpectedStderr(withUs.stderr), '');
      }
    }
  });
}

test('a host MeterProvider on API 1.9: its metrics and ours both reach Prometheus, each through its pipeline', async () => {
  const service = uniqueService('host-meter');
  const app = await startApp(
    'host-meter.cjs',
    otlpEnv(service, { HOST_OTLP_METRICS_URL: `${endpoints().otlp_http_url.replace(/\/+$/, '')}/v1/metrics` }),
  );
  apps.push(app);
  await load(app.port, 9, 3, () => ['GET', '/']);
  const orders = await waitForQuery(`sum(app_host_orders_total{service_name="${service}"})`, (s) => s[0]?.value === 18);
  assert.equal(orders[0]?.value, 18);
  const expected = { 'GET  200': 9 };
  const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}", otel_scope_name="${SCOPE_NAME}"})`;
  assert.deepEqual(byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), expected))), expected);
  assert.equal(unexpectedStderr(app.stderr()), '');
});

/** A local OTLP/HTTP JSON trace sink: counts the server spans it receives. */
async function traceSink(): Promise<{ url: string; serverSpans: () => string[]; close: () => void }> {
  const names: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: { name: string; kind: number }[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) if (s.kind === 2) names.push(s.name);
      } catch {
        // not JSON: counted as nothing
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    serverSpans: () => names,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('a host with sdk-node tracing beside the bootstrap: its spans arrive, and the rules count each request once', async () => {
  const sink = await traceSink();
  try {
    const service = uniqueService('sdk-node');
    const app = await startApp(
      'sdk-node-host.cjs',
      otlpEnv(service, {
        HOST_TRACES_URL: sink.url,
        HOST_OTLP_METRICS_URL: `${endpoints().otlp_http_url.replace(/\/+$/, '')}/v1/metrics`,
      }),
    );
    apps.push(app);
    await load(app.port, 12, 3, (i) => ['GET', `/items/${i}`]);
    // Its spans: one server span per request.
    const deadline = Date.now() + 30_000;
    while (sink.serverSpans().length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.serverSpans().length, 12);
    // Two instrumentations record http.server.request.duration; by scope, each counts every request once.
    const q = `sum by (otel_scope_name) (http_server_request_duration_seconds_count{service_name="${service}"})`;
    const ok = (s: { metric: Record<string, string>; value: number }[]) =>
      s.length === 2 && s.every((x) => x.value === 12);
    const r = await waitForQuery(q, ok);
    assert.deepEqual(Object.fromEntries(r.map((x) => [x.metric['otel_scope_name'], x.value])), {
      [SCOPE_NAME]: 12,
      '@opentelemetry/instrumentation-http': 12,
    });
    // Ours still carries the route template, counted once with the scope selector the rules use.
    const expected = { 'GET /items/:id 200': 12 };
    const ours = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}", otel_scope_name="${SCOPE_NAME}"})`;
    assert.deepEqual(byKey(await waitForQuery(ours, (s) => sameCounts(byKey(s), expected))), expected);
    assert.equal(unexpectedStderr(app.stderr()), '');
  } finally {
    sink.close();
  }
});
