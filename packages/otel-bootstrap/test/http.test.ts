// End to end: real apps (plain http, Express 5, Express 4, Fastify 5; CommonJS and ESM; --require and --import)
// with the bootstrap preloaded export OTLP to the stack's collector; Prometheus must then hold exactly the
// requests we sent, per method, route template and status.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import {
  type App,
  assertInPrometheus,
  load,
  otlpEnv,
  type Plan,
  type Preload,
  request,
  runPlan,
  sameCounts,
  startApp,
  unexpectedStderr,
  uniqueService,
  waitForQuery,
} from './helpers.ts';

const METRIC = 'http_server_request_duration_seconds_count';
const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

const expressPlan: Plan = [
  ['GET', '/api/orders/1', 7, 'GET /api/orders/:id 200'],
  ['GET', '/api/orders/2', 5, 'GET /api/orders/:id 200'],
  ['POST', '/api/orders', 3, 'POST /api/orders 201'],
  ['GET', '/api/fail', 2, 'GET /api/fail 500'],
  ['GET', '/api/throw', 2, 'GET /api/throw 500'],
  ['GET', '/api/users/41/orders/9', 4, 'GET /api/users/:userId/orders/:orderId 200'],
  ['GET', '/api/users/42/orders/10', 1, 'GET /api/users/:userId/orders/:orderId 200'],
  ['GET', '/api/users/43/broken', 2, 'GET /api/users/:userId/broken 502'],
  ['GET', '/admin/teams/5/items/6', 3, 'GET /admin/teams/:teamId/items/:itemId 200'],
  ['GET', '/auth', 1, 'GET /auth 401'],
  ['GET', '/v1/acme/status/200', 2, 'GET /v1/:tenant/status/:code 200'],
  ['GET', '/v1/globex/status/503', 3, 'GET /v1/:tenant/status/:code 503'],
  ['GET', '/no/such/route', 6, 'GET  404'],
  ['PURGE', '/api/orders/1', 2, '_OTHER  404'],
];

for (const [label, module, preload] of [
  ['express 5, --require <dir>', 'express', 'require-dir'],
  ['express 4, --require <pkg>/register', 'express4', 'require-register'],
] as [string, string, Preload][]) {
  describe(label, () => {
    test('counts per method, route template and status are exact', async () => {
      const service = uniqueService(module);
      const app = await startApp('express.cjs', otlpEnv(service, { EXPRESS_MODULE: module }), preload);
      apps.push(app);
      const expected = await runPlan(app, expressPlan);
      await assertInPrometheus(service, expected);
      assert.equal(unexpectedStderr(app.stderr()), '');
    });
  });
}

describe('fastify 5 (ESM, --import)', () => {
  test('counts per route template, including replies sent from hooks and unmatched routes', async () => {
    const service = uniqueService('fastify');
    const app = await startApp('fastify.mjs', otlpEnv(service), 'import-register');
    apps.push(app);
    const expected = await runPlan(app, [
      ['GET', '/api/orders/1', 6, 'GET /api/orders/:id 200'],
      ['GET', '/api/orders/77', 4, 'GET /api/orders/:id 200'],
      ['POST', '/api/orders', 2, 'POST /api/orders 201'],
      ['GET', '/api/fail', 3, 'GET /api/fail 500'],
      ['GET', '/api/v2/secure/x', 5, 'GET /api/v2/secure/:thing 401'],
      ['GET', '/nothing/here', 4, 'GET  404'],
    ]);
    const ok = await request(app.port, 'GET', '/api/v2/secure/y', { authorization: 'letmein' });
    assert.equal(ok.status, 200);
    expected['GET /api/v2/secure/:thing 200'] = 1;
    await assertInPrometheus(service, expected);
  });
});

describe('plain node:http', () => {
  for (const [app, preload] of [
    ['http.cjs', 'require-dir'],
    ['http.mjs', 'require-register'],
    ['http.cjs', 'import-register'],
  ] as [string, Preload][]) {
    test(`${app} with ${preload}: counts per method and status, without a route`, async () => {
      const service = uniqueService('http');
      const a = await startApp(app, otlpEnv(service), preload);
      apps.push(a);
      const expected = await runPlan(a, [
        ['GET', '/a', 5, 'GET  200'],
        ['DELETE', '/b/c', 2, 'DELETE  200'],
        ['GET', '/missing', 3, 'GET  404'],
      ]);
      await assertInPrometheus(service, expected);
      assert.equal(unexpectedStderr(a.stderr()), '');
    });
  }
});

describe('aborted requests', () => {
  // Each poll of /held is itself a counted GET 200 (a plain http app has no route to tell them apart).
  let polls = 0;
  async function held(port: number): Promise<number> {
    polls++;
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/held', agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve(Number(body)));
        })
        .on('error', reject);
    });
  }
  async function until(port: number, n: number): Promise<void> {
    while ((await held(port)) !== n) await new Promise((r) => setTimeout(r, 50));
  }

  test('a client gone before the response is counted once, with error.type=aborted', async () => {
    const service = uniqueService('aborted');
    const app = await startApp('hold.cjs', otlpEnv(service), 'require-dir');
    apps.push(app);
    for (const path of ['/hold', '/hold', '/hold-headers']) {
      const req = http.get({ host: '127.0.0.1', port: app.port, path, agent: false });
      req.on('error', () => {});
      await until(app.port, 1);
      req.destroy();
      await until(app.port, 0);
    }
    await load(app.port, 4, 2, () => ['GET', '/fine']);
    const expected = { 'GET  aborted': 2, 'GET 200 aborted': 1, 'GET 200 ': 4 + polls };
    const q = `sum by (http_request_method, http_response_status_code, error_type) (${METRIC}{service_name="${service}", url_scheme="http", network_protocol_version="1.1"})`;
    const key = (m: Record<string, string>) =>
      `${m['http_request_method']} ${m['http_response_status_code'] ?? ''} ${m['error_type'] ?? ''}`;
    const toMap = (s: { metric: Record<string, string>; value: number }[]) =>
      Object.fromEntries(s.map((x) => [key(x.metric), x.value]));
    const r = await waitForQuery(q, (s) => sameCounts(toMap(s), expected));
    assert.deepEqual(toMap(r), expected);
  });
});

describe('pipelined requests', () => {
  // HTTP/1.1 pipelining: the requests behind a slow one are parsed (and start) while its response is in flight, so
  // their start times cannot live on the connection like a lone request's.
  async function pipelined(port: number, rounds: number): Promise<number> {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    for (let round = 1; round <= rounds; round++) {
      socket.write(get('/slow') + get('/fine') + get('/fine'));
      const deadline = Date.now() + 10_000;
      while ((text.match(/HTTP\/1\.1 200/g) ?? []).length < 3 * round) {
        if (Date.now() > deadline) throw new Error(`pipelined responses missing: ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    socket.end();
    return 3 * rounds;
  }

  test('every pipelined request is counted once, timed from its own start', async () => {
    const service = uniqueService('pipelined');
    const app = await startApp('hold.cjs', otlpEnv(service), 'require-dir');
    apps.push(app);
    // Two connections, each with two pipelined rounds of /slow + /fine + /fine (the second round reuses the
    // connection's slot), then ordinary requests.
    let sent = 0;
    for (let c = 0; c < 2; c++) sent += await pipelined(app.port, 2);
    await load(app.port, 6, 2, () => ['GET', '/fine']);
    sent += 6;
    const sel = `{service_name="${service}", http_request_method="GET", http_response_status_code="200"}`;
    const r = await waitForQuery(`sum(http_server_request_duration_seconds_count${sel})`, (s) => s[0]?.value === sent);
    assert.equal(r[0]?.value, sent);
    // Each round's three requests end after the 300 ms one; timed from a wrong (later) start, they would be shorter.
    const sum = await waitForQuery(`sum(http_server_request_duration_seconds_sum${sel})`, (s) => s.length === 1);
    assert.ok(sum[0]!.value >= 4 * 3 * 0.29, `duration sum ${sum[0]!.value} s for 4 pipelined rounds of 3`);
    assert.equal(unexpectedStderr(app.stderr()), '');
  });
});

describe('cardinality', () => {
  test('10,000 random paths add at most a handful of series', async () => {
    const service = uniqueService('random');
    const app = await startApp('express.cjs', otlpEnv(service), 'require-dir');
    apps.push(app);
    const res = await load(app.port, 10_000, 16, () => ['GET', `/scan/${Math.random().toString(36).slice(2)}`]);
    assert.equal(res.filter((r) => r.status !== 404).length, 0);
    await request(app.port, 'GET', '/api/orders/1');
    const q = `${METRIC}{service_name="${service}"}`;
    const series = await waitForQuery(q, (s) => s.reduce((a, x) => a + x.value, 0) === 10_001);
    assert.equal(
      series.reduce((a, x) => a + x.value, 0),
      10_001,
    );
    assert.ok(series.length <= 3, `expected at most 3 series, got ${series.length}`);
  });
});
