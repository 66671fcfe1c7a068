// The bootstrap never breaks its host: an unreachable collector, bad configuration and a throwing hook leave every
// request served; SIGTERM flushes and then ends the process the way it would have ended without us.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  APPS,
  type App,
  byKey,
  load,
  otlpEnv,
  request,
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

test('collector unreachable: zero failed requests, errors logged rate-limited', async () => {
  const app = await startApp('express.cjs', {
    OTEL_SERVICE_NAME: uniqueService('down'),
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    OTEL_EXPORTER_OTLP_TIMEOUT: '200',
  });
  apps.push(app);
  const res = await load(app.port, 3000, 16, (i) => ['GET', `/api/orders/${i}`]);
  assert.equal(res.filter((r) => r.status !== 200).length, 0);
  await new Promise((r) => setTimeout(r, 1500));
  const after2 = await load(app.port, 200, 8, (i) => ['GET', `/api/orders/${i}`]);
  assert.equal(after2.filter((r) => r.status !== 200).length, 0);
  const lines = app.stderr().trim().split('\n').filter(Boolean);
  assert.ok(lines.length >= 1, 'the export failure is reported');
  assert.ok(lines.length <= 4, `rate-limited, got:\n${app.stderr()}`);
  const { signal } = await app.stop('SIGTERM');
  assert.equal(signal, 'SIGTERM');
});

test('invalid configuration is logged and ignored; the app serves', async () => {
  const service = uniqueService('badcfg');
  const app = await startApp('express.cjs', {
    ...otlpEnv(service),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon',
    OTEL_METRICS_EXPORTER: 'bogus',
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,nonsense',
    FOURSIGNALS_DAU_IDENTITY: 'hook:./does/not/exist.js',
    OTEL_RESOURCE_ATTRIBUTES: '=broken,deployment.environment.name=test',
  });
  apps.push(app);
  const res = await load(app.port, 20, 4, () => ['GET', '/api/orders/1']);
  assert.equal(res.filter((r) => r.status !== 200).length, 0);
  const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
  const got = byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), { 'GET /api/orders/:id 200': 20 })));
  assert.deepEqual(got, { 'GET /api/orders/:id 200': 20 });
  for (const v of [
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_METRICS_EXPORTER',
    'nonsense',
    'DAU hook module',
    'OTEL_RESOURCE_ATTRIBUTES',
  ]) {
    assert.match(app.stderr(), new RegExp(v), `expected a warning about ${v}`);
  }
});

test('a throwing DAU hook: zero failed requests', async () => {
  const app = await startApp('express.cjs', {
    ...otlpEnv(uniqueService('hook')),
    FOURSIGNALS_DAU_IDENTITY: `hook:${APPS}/throwing-hook.cjs`,
  });
  apps.push(app);
  const res = await load(app.port, 500, 8, (i) => ['GET', `/api/orders/${i}`, { 'x-user-id': `u${i}` }]);
  assert.equal(res.filter((r) => r.status !== 200).length, 0);
  assert.ok(
    app
      .stderr()
      .split('\n')
      .filter((l) => l.includes('hook threw')).length <= 1,
  );
});

test('SIGTERM without a handler of the app: flush, then die by SIGTERM', async () => {
  const service = uniqueService('sigterm');
  const app = await startApp('express.cjs', { ...otlpEnv(service), OTEL_METRIC_EXPORT_INTERVAL: '600000' });
  apps.push(app);
  for (let i = 0; i < 9; i++) assert.equal((await request(app.port, 'GET', `/api/orders/${i}`)).status, 200);
  const { code, signal } = await app.stop('SIGTERM');
  assert.equal(code, null);
  assert.equal(signal, 'SIGTERM');
  const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
  const got = byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), { 'GET /api/orders/:id 200': 9 })));
  assert.deepEqual(got, { 'GET /api/orders/:id 200': 9 });
});

test('SIGTERM with a handler of the app: the app decides (exits 0 once idle), data still flushed', async () => {
  const service = uniqueService('ownsig');
  const app = await startApp('sigterm-own-handler.cjs', { ...otlpEnv(service), OTEL_METRIC_EXPORT_INTERVAL: '600000' });
  apps.push(app);
  for (let i = 0; i < 4; i++) assert.equal((await request(app.port, 'POST', '/x')).status, 200);
  const { code, signal } = await app.stop('SIGTERM');
  assert.equal(signal, null);
  assert.equal(code, 0);
  const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
  const got = byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), { 'POST  200': 4 })));
  assert.deepEqual(got, { 'POST  200': 4 });
});

test('process and runtime metrics arrive', async () => {
  const service = uniqueService('runtime');
  const app = await startApp('http.cjs', otlpEnv(service));
  apps.push(app);
  await request(app.port, 'GET', '/');
  for (const name of [
    'process_cpu_utilization',
    'process_memory_usage_bytes',
    'v8js_memory_heap_used_bytes',
    'nodejs_eventloop_utilization',
    'nodejs_eventloop_delay_p99_seconds',
  ]) {
    const s = await waitForQuery(`{__name__=~"${name}.*", service_name="${service}"}`, (r) => r.length > 0, {
      timeoutMs: 30_000,
    });
    assert.ok(s.length > 0, `${name} for ${service}`);
  }
  const rss = await waitForQuery(`process_memory_usage_bytes{service_name="${service}"}`, (r) => r.length > 0, 5000);
  assert.ok((rss[0]?.value ?? 0) > 10_000_000, 'RSS is plausible');
});

test('a process without HTTP traffic (a worker) still exports its runtime metrics', async () => {
  const service = uniqueService('worker');
  const app = await startApp('worker.cjs', otlpEnv(service));
  apps.push(app);
  const s = await waitForQuery(`process_memory_usage_bytes{service_name="${service}"}`, (r) => r.length > 0, {
    timeoutMs: 30_000,
  });
  assert.equal(s.length, 1);
  const { code, signal } = await app.stop('SIGTERM');
  assert.deepEqual({ code, signal }, { code: 0, signal: null });
});

test('worker threads: the process is measured once, from the main thread', async () => {
  const service = uniqueService('threads');
  const app = await startApp('threads.cjs', otlpEnv(service));
  apps.push(app);
  await load(app.port, 5, 2, () => ['GET', '/']);
  const s = await waitForQuery(`process_memory_usage_bytes{service_name="${service}"}`, (r) => r.length > 0, {
    timeoutMs: 30_000,
  });
  await new Promise((r) => setTimeout(r, 2500));
  const again = await waitForQuery(
    `count(process_memory_usage_bytes{service_name="${service}"})`,
    (r) => r.length > 0,
    5000,
  );
  assert.equal(s.length, 1);
  assert.equal(again[0]?.value, 1);
  assert.equal(unexpectedStderr(app.stderr()), '');
});
