// Every exporter: OTLP gRPC and http/json (through the collector to Prometheus), and the Prometheus scrape
// endpoint served by the app itself.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { freePort } from '@foursignals/test-support';
import {
  type App,
  byKey,
  endpoints,
  load,
  otlpEnv,
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

async function viaCollector(protocol: string, endpoint: string, extra: Record<string, string> = {}): Promise<void> {
  const service = uniqueService(protocol.replace('/', '-'));
  const app = await startApp(
    'express.cjs',
    otlpEnv(service, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...extra }),
  );
  apps.push(app);
  await load(app.port, 11, 4, (i) => ['GET', `/api/orders/${i}`]);
  const expected = { 'GET /api/orders/:id 200': 11 };
  const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
  assert.deepEqual(byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), expected))), expected);
  assert.equal(unexpectedStderr(app.stderr()), '');
}

test('OTLP gRPC', () => viaCollector('grpc', endpoints().otlp_grpc_url));
test('OTLP http/json', () => viaCollector('http/json', endpoints().otlp_http_url));
test('OTLP http/protobuf (built-in encoder) with gzip', () =>
  viaCollector('http/protobuf', endpoints().otlp_http_url, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }));
test('OTLP gRPC with gzip', () =>
  viaCollector('grpc', endpoints().otlp_grpc_url, { OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip' }));

test('OTEL_METRICS_EXPORTER=prometheus serves a scrape endpoint with service_name on every series', async () => {
  const service = uniqueService('scrape');
  const port = await freePort();
  const app = await startApp('fastify.mjs', {
    OTEL_SERVICE_NAME: service,
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
  });
  apps.push(app);
  await load(app.port, 13, 4, (i) => ['GET', `/api/orders/${i}`]);
  let text = '';
  for (let i = 0; i < 50; i++) {
    try {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (text.includes('http_server_request_duration')) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const line = text
    .split('\n')
    .find((l) => l.startsWith('http_server_request_duration_count{') && l.includes('/api/orders/:id'));
  assert.ok(line, text);
  assert.match(line, new RegExp(`service_name="${service}"`));
  assert.match(line, /http_response_status_code="200"/);
  assert.equal(Number(line.split(' ').at(-1)), 13);
  assert.match(text, /process_memory_usage/);
  // The scrapes themselves are not counted as the application's requests.
  const counted = text
    .split('\n')
    .filter((l) => l.startsWith('http_server_request_duration_count{'))
    .reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
  assert.equal(counted, 13);
});

test("the app's own @opentelemetry/api metrics go out through the bootstrap, created before the SDK loaded", async () => {
  const service = uniqueService('api');
  const app = await startApp('api-user.cjs', otlpEnv(service));
  apps.push(app);
  await load(app.port, 7, 2, () => ['GET', '/']);
  await load(app.port, 3, 2, () => ['GET', '/rush']);
  const q = `sum by (order_kind) (app_test_orders_total{service_name="${service}"})`;
  const r = await waitForQuery(
    q,
    (s) => s.length === 2 && s.every((x) => x.value === (x.metric['order_kind'] === 'rush' ? 6 : 14)),
  );
  assert.deepEqual(Object.fromEntries(r.map((x) => [x.metric['order_kind'], x.value])), { normal: 14, rush: 6 });
  const expected = { 'GET  200': 10 };
  const hq = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
  assert.deepEqual(byKey(await waitForQuery(hq, (s) => sameCounts(byKey(s), expected))), expected);
  assert.equal(unexpectedStderr(app.stderr()), '');
});
