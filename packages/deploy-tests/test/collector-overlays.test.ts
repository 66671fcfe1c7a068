// The production collector set-ups, run for real: the gateway (config.yaml + auth + TLS + gateway overlays) and an
// agent (config.yaml + agent overlay) started from our collector binary on ports of their own, a real OTel SDK
// sending through them, and the data checked where it lands: the local stack's Prometheus and InfluxDB.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Endpoints, readEndpoints } from '@foursignals/stack';
import { influxQuery, waitFor, waitForQuery } from '@foursignals/test-support';
import { parse } from 'yaml';
import { configArgs, type RunningCollector, startCollector } from '../src/collector.ts';
import { type GeneratedCerts, generateCerts } from '../src/net.ts';
import { collectorBinary, REPO } from '../src/tools.ts';

const OVERLAYS = join(REPO, 'otel-collector', 'overlays');
const SENDER = join(import.meta.dirname, 'fixtures', 'send-metric.ts');
const METRIC = 'deploy_tests_probe';

let stack: Endpoints;
let certs: GeneratedCerts;
let gateway: RunningCollector;
let agent: RunningCollector;

function send(runId: string, value: number, env: Record<string, string>): { ok: boolean; stderr: string } {
  const r = spawnSync(process.execPath, [SENDER, METRIC, runId, String(value)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_METRIC_EXPORT_TIMEOUT: '10000', ...env },
    timeout: 60_000,
  });
  return { ok: r.status === 0, stderr: `${r.stderr}` };
}

/** POSTs an empty OTLP/HTTP request over TLS (trusting the test CA) and returns the status code. */
function postOtlp(port: number, authorization?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' };
    if (authorization) headers.authorization = authorization;
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', ca: readFileSync(certs.caFile), headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function promValue(runId: string): Promise<number | undefined> {
  const query = `${METRIC}_total{run_id="${runId}"}`;
  const got = await waitForQuery(query, (r) => r.length > 0, {
    timeoutMs: 60_000,
    prometheusUrl: stack.prometheus_url,
  });
  return got[0]?.value;
}

async function influxValue(runId: string): Promise<number | undefined> {
  const q = `SELECT last("counter") FROM /^${METRIC}/ WHERE "run_id" = '${runId}'`;
  const series = await waitFor(
    `${q} in InfluxDB`,
    () => influxQuery(q, { url: stack.influxdb_url, database: stack.influxdb_database }),
    (s) => s.length > 0,
  ).catch(() => []);
  const v = series[0]?.values[0]?.[1];
  return v === undefined ? undefined : Number(v);
}

describe('collector overlays: every production combination is a valid config of our binary', () => {
  const combos = [
    [],
    ['auth', 'tls'],
    ['auth', 'tls', 'gateway'],
    ['auth', 'tls', 'gateway', 'mimir'],
    ['agent'],
    ['agent', 'scraper'],
  ];
  const env = { PATH: process.env.PATH, INFLUXDB_V1_COMPATIBILITY: 'false', INFLUXDB_TOKEN: 'x' };
  for (const overlays of combos) {
    it(`config.yaml ${overlays.map((o) => `+ ${o}`).join(' ')}`, () => {
      const r = spawnSync(collectorBinary(), ['validate', ...configArgs(overlays)], { encoding: 'utf8', env });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      // Every component an overlay defines or changes must be IN USE in the merged config: an overlay that names
      // a component the base config has renamed would otherwise add a silent, unused copy.
      const printed = spawnSync(collectorBinary(), ['print-config', '--format=json', ...configArgs(overlays)], {
        encoding: 'utf8',
        env,
      });
      assert.equal(printed.status, 0, printed.stderr);
      const merged = JSON.parse(printed.stdout) as {
        service: { extensions: string[]; pipelines: Record<string, Record<string, string[]>> };
      };
      const used = new Set([
        ...merged.service.extensions,
        ...Object.values(merged.service.pipelines).flatMap((p) => Object.values(p).flat()),
      ]);
      for (const overlay of overlays) {
        const doc = parse(readFileSync(join(OVERLAYS, `${overlay}.yaml`), 'utf8')) as Record<
          string,
          object | undefined
        >;
        for (const section of ['receivers', 'processors', 'exporters', 'extensions']) {
          for (const id of Object.keys(doc[section] ?? {})) {
            assert.ok(used.has(id), `${overlay}.yaml: ${section}.${id} is not used by any pipeline or the service`);
          }
        }
      }
    });
  }

  it('and a broken overlay is refused (the check can fail)', () => {
    const r = spawnSync(
      collectorBinary(),
      ['validate', ...configArgs(['agent']), '--config', 'yaml:service::pipelines::metrics::exporters: [otlp/nope]'],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /otlp\/nope/);
  });
});

describe('gateway with bearer-token auth and TLS, agent forwarding to it', () => {
  before(async () => {
    stack = readEndpoints();
    certs = generateCerts();
    gateway = await startCollector({
      name: 'gateway',
      overlays: ['auth', 'tls', 'gateway'],
      env: {
        PROMETHEUS_REMOTE_WRITE_URL: `${stack.prometheus_url}/api/v1/write`,
        INFLUXDB_URL: stack.influxdb_url,
        INFLUXDB_V1_COMPATIBILITY: 'true',
        INFLUXDB_DATABASE: stack.influxdb_database,
        COLLECTOR_BEARER_TOKEN_FILE: certs.tokenFile,
        COLLECTOR_TLS_CERT_FILE: certs.certFile,
        COLLECTOR_TLS_KEY_FILE: certs.keyFile,
      },
    });
    agent = await startCollector({
      name: 'agent',
      overlays: ['agent'],
      env: {
        // As in Kubernetes: the dns resolver and round-robin over every address of the gateway name.
        GATEWAY_OTLP_ENDPOINT: `dns:///localhost:${gateway.ports.grpc}`,
        GATEWAY_CA_FILE: certs.caFile,
        COLLECTOR_BEARER_TOKEN_FILE: certs.tokenFile,
      },
    });
  });

  after(async () => {
    await agent?.stop();
    await gateway?.stop();
  });

  const gatewayEnv = (token: string | undefined, trustCa = true): Record<string, string> => ({
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `https://localhost:${gateway.ports.http}/v1/metrics`,
    ...(token ? { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${token}` } : {}),
    ...(trustCa ? { NODE_EXTRA_CA_CERTS: certs.caFile } : {}),
  });

  it('refuses OTLP without a token or with a wrong one (401), and plain HTTP', async () => {
    assert.equal(await postOtlp(gateway.ports.http), 401);
    assert.equal(await postOtlp(gateway.ports.http, 'Bearer not-the-token'), 401);
    assert.equal(await postOtlp(gateway.ports.http, `Bearer ${certs.token}`), 200);
    const plain = await fetch(`http://127.0.0.1:${gateway.ports.http}/v1/metrics`, { method: 'POST' }).then(
      async (r) => `${r.status} ${await r.text()}`,
      (e: Error) => `error ${e.message}`,
    );
    assert.doesNotMatch(plain, /^200/);
  });

  it('an SDK configured only by OTEL_* variables and NODE_EXTRA_CA_CERTS delivers to Prometheus and InfluxDB', async () => {
    const runId = randomUUID();
    const r = send(runId, 7, gatewayEnv(certs.token));
    assert.ok(r.ok, r.stderr);
    assert.equal(await promValue(runId), 7, `not in Prometheus; gateway log:\n${gateway.log().slice(-3000)}`);
    assert.equal(await influxValue(runId), 7, `not in InfluxDB; gateway log:\n${gateway.log().slice(-3000)}`);
  });

  it('the SDK fails with a wrong token, and without trusting the CA (TLS is verified)', async () => {
    const wrong = send(randomUUID(), 1, gatewayEnv('wrong-token'));
    assert.equal(wrong.ok, false);
    assert.match(wrong.stderr, /401|Unauthorized|unauthenticated/i);
    const untrusted = send(randomUUID(), 1, gatewayEnv(certs.token, false));
    assert.equal(untrusted.ok, false);
    assert.match(untrusted.stderr, /certificate|self.signed|verify/i);
  });

  it('SDK -> agent (plain, node-local) -> gateway (gRPC, TLS, token) -> Prometheus', async () => {
    const runId = randomUUID();
    const r = send(runId, 5, {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${agent.ports.http}/v1/metrics`,
    });
    assert.ok(r.ok, r.stderr);
    assert.equal(
      await promValue(runId),
      5,
      `not in Prometheus; agent log:\n${agent.log().slice(-3000)}\ngateway log:\n${gateway.log().slice(-2000)}`,
    );
  });
});
