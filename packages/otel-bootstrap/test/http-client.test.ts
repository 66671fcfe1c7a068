// http.client.request.duration for node:http and fetch (undici), against a local server: exact counts per method,
// server address and port, status and error type, in Prometheus through the stack's collector. The bootstrap's own
// export requests are not counted.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { type App, otlpEnv, sameCounts, startApp, unexpectedStderr, uniqueService, waitForQuery } from './helpers.ts';

const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

function getJson(port: number, path: string): Promise<{ target: number }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve(JSON.parse(body) as { target: number }));
      })
      .on('error', reject);
  });
}

for (const preload of ['require-dir', 'import-register'] as const) {
  test(`outbound node:http and fetch calls, counted exactly (${preload})`, async () => {
    const service = uniqueService('outbound');
    const app = await startApp('outbound.mjs', otlpEnv(service), preload);
    apps.push(app);
    const { target } = await getJson(app.port, '/run');
    const t = String(target);
    const expected: Record<string, number> = {
      [`GET 127.0.0.1 ${t} 200 `]: 3 + 4,
      [`GET 127.0.0.1 ${t} 503 503`]: 1,
      [`POST 127.0.0.1 ${t} 200 `]: 1,
      ['GET 127.0.0.1 1  ECONNREFUSED']: 1,
      [`GET 127.0.0.1 ${t} 404 404`]: 2,
      [`GET 127.0.0.1 ${t}  UND_ERR_SOCKET`]: 1,
    };
    const q = `sum by (http_request_method, server_address, server_port, http_response_status_code, error_type) (http_client_request_duration_seconds_count{service_name="${service}"})`;
    const key = (m: Record<string, string>) =>
      `${m['http_request_method']} ${m['server_address']} ${m['server_port']} ${m['http_response_status_code'] ?? ''} ${m['error_type'] ?? ''}`;
    const toMap = (s: { metric: Record<string, string>; value: number }[]) =>
      Object.fromEntries(s.map((x) => [key(x.metric), x.value]));
    const r = await waitForQuery(q, (s) => sameCounts(toMap(s), expected));
    assert.deepEqual(toMap(r), expected);
    assert.equal(unexpectedStderr(app.stderr()), '');
  });
}
