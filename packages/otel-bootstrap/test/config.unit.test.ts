// Unit tests of the pure parts: the sketch, configuration parsing, JWT claims, SQL operation names, series caps.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { DeltaTracker } from '../src/aggregation/collect.ts';
import { readConfig } from '../src/config.ts';
import { DailyActiveUsers, jwtClaim } from '../src/dau/active-users.ts';
import { HyperLogLog } from '../src/dau/hll.ts';
import { containerId } from '../src/export/resource.ts';
import { HttpServerMetrics } from '../src/instrumentation/http.ts';
import { ClientTable, portOf } from '../src/instrumentation/http-client.ts';
import { operationName } from '../src/instrumentation/libraries.ts';
import { METRICS } from '../src/metrics.ts';

function hashOf(s: string): [number, number] {
  const h = createHash('sha256').update(s).digest();
  return [h.readUInt32BE(0), h.readUInt32BE(4)];
}

describe('HyperLogLog', () => {
  test('is within 1 % for small cardinalities and ignores duplicates', () => {
    for (const n of [0, 1, 2, 10, 57, 100, 250, 1000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) {
        const [hi, lo] = hashOf(`user-${n}-${i}`);
        h.add(hi, lo);
        h.add(hi, lo);
      }
      assert.ok(Math.abs(h.count() - n) <= Math.max(1, n * 0.01), `n=${n} estimate ${h.count()}`);
    }
  });

  test('is within 2 % for 100,000 distinct users', () => {
    const h = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) {
      const [hi, lo] = hashOf(`u${i}`);
      h.add(hi, lo);
    }
    const est = h.count();
    assert.ok(Math.abs(est - 100_000) / 100_000 < 0.02, `estimate ${est}`);
  });

  test('merge is the union', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 150; i++) a.add(...hashOf(`x${i}`));
    for (let i = 100; i < 250; i++) b.add(...hashOf(`x${i}`));
    a.merge(b);
    assert.ok(Math.abs(a.count() - 250) <= 2, `estimate ${a.count()}`);
  });
});

describe('DailyActiveUsers', () => {
  test('is exact for small numbers of users, within 2 % for 100,000', async () => {
    for (const n of [0, 1, 7, 100, 250, 1000, 4000]) {
      const dau = new DailyActiveUsers({ source: { kind: 'none' }, salt: `salt${n}`, serviceName: 't' });
      for (let i = 0; i < n; i++) {
        dau.add(`user-${i}`);
        dau.add(`user-${i}`);
      }
      const c = await dau.counts();
      assert.deepEqual(c, { day: n, week: n, month: n });
    }
    const dau = new DailyActiveUsers({ source: { kind: 'none' }, salt: 'big', serviceName: 't' });
    for (let i = 0; i < 100_000; i++) dau.add(`user-${i}`);
    const { day } = await dau.counts();
    assert.ok(Math.abs(day - 100_000) / 100_000 < 0.02, `estimate ${day}`);
  });

  test('day, week and month windows over UTC days', async () => {
    const dau = new DailyActiveUsers({ source: { kind: 'none' }, salt: 's', serviceName: 't' });
    const today = Math.floor(Date.now() / 86_400_000);
    for (let i = 0; i < 10; i++) dau.add(`a${i}`, today);
    for (let i = 5; i < 20; i++) dau.add(`a${i}`, today - 3);
    for (let i = 0; i < 7; i++) dau.add(`b${i}`, today - 20);
    for (let i = 0; i < 9; i++) dau.add(`c${i}`, today - 40); // outside every window
    assert.deepEqual(await dau.counts(), { day: 10, week: 20, month: 27 });
  });

  test('a throwing hook loses only that request', () => {
    const dau = new DailyActiveUsers({
      source: {
        kind: 'hook',
        hook: () => {
          throw new Error('hook bug');
        },
      },
      salt: 's',
      serviceName: 't',
    });
    assert.doesNotThrow(() => dau.observe({ headers: {} } as never, 200));
  });
});

describe('jwtClaim', () => {
  const tok = (payload: object) =>
    `Bearer e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig-not-checked`;
  test('reads the claim without verifying', () => {
    assert.equal(jwtClaim(tok({ sub: 'alice' }), 'sub'), 'alice');
    assert.equal(jwtClaim(tok({ uid: 42 }), 'uid'), '42');
  });
  test('rejects what is not a bearer JWT', () => {
    assert.equal(jwtClaim('Basic abc', 'sub'), undefined);
    assert.equal(jwtClaim('Bearer nodots', 'sub'), undefined);
    assert.equal(jwtClaim('Bearer a.!!!.c', 'sub'), undefined);
    assert.equal(jwtClaim(tok({ other: 1 }), 'sub'), undefined);
  });
});

describe('readConfig', () => {
  test('defaults', () => {
    const c = readConfig({});
    assert.equal(c.serviceName, 'unknown_service:node');
    assert.deepEqual(c.exporters, ['otlp']);
    assert.equal(c.protocol, 'http/protobuf');
    assert.equal(c.endpoint, 'http://localhost:4318/v1/metrics');
    assert.equal(c.exportIntervalMillis, 60_000);
  });

  test('precedence: signal-specific over generic over defaults; service name over resource attribute', () => {
    const c = readConfig({
      OTEL_SERVICE_NAME: 'svc',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=other,deployment.environment.name=prod%20eu',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '2000',
      OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=3',
    });
    assert.equal(c.serviceName, 'svc');
    assert.equal(c.resourceAttributes['deployment.environment.name'], 'prod eu');
    assert.equal(c.endpoint, 'http://collector:4318/v1/metrics');
    assert.equal(c.timeoutMillis, 2000);
    assert.deepEqual(c.headers, { a: '1', b: '3' });
    assert.equal(
      readConfig({ OTEL_EXPORTER_OTLP_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip' })
        .compression,
      'gzip',
    );
    assert.equal(
      readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://y:2/m' })
        .endpoint,
      'http://y:2/m',
    );
    assert.equal(readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=fromattrs' }).serviceName, 'fromattrs');
  });

  test('invalid values are ignored, not thrown', () => {
    const c = readConfig({
      OTEL_METRIC_EXPORT_INTERVAL: 'soon',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
      OTEL_METRICS_EXPORTER: 'bogus',
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,nosuch',
      FOURSIGNALS_DAU_IDENTITY: 'telepathy',
      OTEL_EXPORTER_PROMETHEUS_PORT: '99999',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli',
    });
    assert.equal(c.compression, 'none');
    assert.equal(c.exportIntervalMillis, 60_000);
    assert.equal(c.protocol, 'http/protobuf');
    assert.equal(c.endpoint, 'http://localhost:4318/v1/metrics');
    assert.deepEqual(c.exporters, ['otlp']);
    assert.equal(c.disabled, false);
    assert.deepEqual([...c.instrumentations], ['http']);
    assert.deepEqual(c.dauIdentity, { kind: 'none' });
    assert.equal(c.prometheusPort, 9464);
  });

  test('instrumentation switches and DAU identity', () => {
    const c = readConfig({
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: '@opentelemetry/instrumentation-pg,amqplib',
      FOURSIGNALS_DAU_IDENTITY: 'header:X-User-Id',
    });
    assert.equal(c.instrumentations.has('pg'), false);
    assert.equal(c.instrumentations.has('amqplib'), false);
    assert.equal(c.instrumentations.has('http'), true);
    assert.deepEqual(c.dauIdentity, { kind: 'header', header: 'x-user-id' });
    assert.deepEqual(readConfig({ FOURSIGNALS_DAU_IDENTITY: 'jwt' }).dauIdentity, { kind: 'jwt', claim: 'sub' });
  });
});

describe('operationName', () => {
  test('first keyword from a bounded set', () => {
    assert.equal(operationName('select 1'), 'SELECT');
    assert.equal(operationName('  -- hi\n INSERT INTO t VALUES (1)'), 'INSERT');
    assert.equal(operationName('/* x */ update t set a=1'), 'UPDATE');
    assert.equal(operationName('frobnicate'), undefined);
    assert.equal(operationName(undefined), undefined);
  });
});

describe('HttpServerMetrics series cap', () => {
  test('new series beyond the cap fold into one overflow series', () => {
    const m = new HttpServerMetrics(5);
    for (let i = 0; i < 100; i++) m.record('GET', `/r${i}`, 200, 0.01);
    const cells = [...m.cells()];
    assert.equal(cells.length, 6);
    assert.equal(m.overflowCount, 95);
    assert.deepEqual(cells.at(-1)?.attributes, { 'otel.metric.overflow': true });
    assert.equal(
      cells.reduce((a, c) => a + c.count, 0),
      100,
    );
  });

  test('buckets are upper-inclusive', () => {
    const m = new HttpServerMetrics(10);
    m.record('GET', '/', 200, 0.005);
    m.record('GET', '/', 200, 0.0051);
    m.record('GET', '/', 200, 100);
    const [c] = [...m.cells()];
    assert.equal(c?.counts[0], 1);
    assert.equal(c?.counts[1], 1);
    assert.equal(c?.counts[14], 1);
  });
});

describe('the OTEL_* contract', () => {
  test('OTEL_METRICS_EXPORTER is a list; none alone turns export off', () => {
    assert.deepEqual(readConfig({ OTEL_METRICS_EXPORTER: 'otlp, prometheus' }).exporters, ['otlp', 'prometheus']);
    assert.deepEqual(readConfig({ OTEL_METRICS_EXPORTER: 'prometheus,bogus,prometheus' }).exporters, ['prometheus']);
    assert.deepEqual(readConfig({ OTEL_METRICS_EXPORTER: 'none' }).exporters, []);
    assert.deepEqual(readConfig({ OTEL_METRICS_EXPORTER: 'bogus' }).exporters, ['otlp']);
  });

  test('auto-instrumentations names, resource detectors, temporality, certificates', () => {
    const c = readConfig({
      OTEL_NODE_ENABLED_INSTRUMENTATIONS:
        'http,@opentelemetry/instrumentation-koa,hapi,undici,runtime-node,nestjs-core',
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,container',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
      OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: '/metrics-ca.pem',
      OTEL_EXPORTER_OTLP_CLIENT_KEY: '/key.pem',
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/cert.pem',
    });
    assert.deepEqual([...c.instrumentations].sort(), ['hapi', 'http', 'koa', 'runtime', 'undici']);
    assert.deepEqual(c.resourceDetectors, ['env', 'host', 'container']);
    assert.equal(c.temporality, 'delta');
    assert.deepEqual(c.tls, { certificate: '/metrics-ca.pem', clientKey: '/key.pem', clientCertificate: '/cert.pem' });
    assert.deepEqual(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'none' }).resourceDetectors, []);
    assert.equal(readConfig({}).resourceDetectors.length, 6);
  });

  test('container.id from cgroup v1 and from mountinfo (v2)', () => {
    const id = 'a'.repeat(64);
    assert.equal(containerId(`12:pids:/docker/${id}\n`, ''), id);
    assert.equal(
      containerId('0::/\n', `1 2 0:1 /var/lib/docker/containers/${id}/hostname /etc/hostname rw - ext4 x rw\n`),
      id,
    );
    assert.equal(containerId('0::/\n', ''), undefined);
  });

  test('delta temporality: counters and histograms as changes since the last collection', () => {
    const d = new DeltaTracker();
    const h = (count: number, counts: number[]) => ({
      startMs: 0,
      endMs: count * 1000,
      metrics: [
        {
          def: METRICS.httpServerDuration,
          type: 'histogram' as const,
          points: [{ attributes: { a: 1 }, count, sum: count, min: 1, max: 1, bounds: [1], counts }],
        },
        { def: METRICS.cpuTime, type: 'sum' as const, monotonic: true, points: [{ attributes: {}, value: count }] },
        { def: METRICS.memoryUsage, type: 'sum' as const, monotonic: false, points: [{ attributes: {}, value: 7 }] },
      ],
    });
    d.apply(h(3, [3, 0]));
    const second = d.apply(h(5, [4, 1]));
    assert.equal(second.startMs, 3000);
    const [hist, cpu, mem] = second.metrics as [
      { points: { count: number; counts: number[]; min: number }[]; delta?: boolean },
      { points: { value: number }[]; delta?: boolean },
      { points: { value: number }[]; delta?: boolean },
    ];
    assert.equal(hist.points[0]!.count, 2);
    assert.deepEqual(hist.points[0]!.counts, [1, 1]);
    assert.ok(Number.isNaN(hist.points[0]!.min));
    assert.equal(hist.delta, true);
    assert.equal(cpu.points[0]!.value, 2);
    assert.equal(mem.points[0]!.value, 7);
    assert.equal(mem.delta, undefined);
  });
});

describe('http.client.request.duration table', () => {
  test('the Host header port, without a substring', () => {
    assert.equal(portOf('example.com:8080'), 8080);
    assert.equal(portOf('[::1]:8443'), 8443);
    assert.equal(portOf('[::1]'), 0);
    assert.equal(portOf('example.com'), 0);
    assert.equal(portOf('example.com:'), 0);
    assert.equal(portOf(':80'), 0);
    assert.equal(portOf('example.com:99999'), 0);
  });

  test('one series per method, address, port, scheme and outcome; a cap with one overflow series', () => {
    const t = new ClientTable(4);
    t.record('GET', 'api', 80, false, 200, undefined, 0.01);
    t.record('GET', 'api', 80, false, 200, undefined, 0.02);
    t.record('GET', 'api', 80, true, 200, undefined, 0.01);
    t.record('GET', 'api', 80, false, 404, undefined, 0.01);
    t.record('GET', 'api', 80, false, undefined, 'ECONNREFUSED', 0.01);
    t.record('POST', 'api', 80, false, 200, undefined, 0.01);
    const cells = [...t.all()];
    assert.deepEqual(
      cells.map((c) => [c.attributes, c.count]),
      [
        [
          {
            'http.request.method': 'GET',
            'server.address': 'api',
            'server.port': 80,
            'url.scheme': 'http',
            'http.response.status_code': 200,
          },
          2,
        ],
        [
          {
            'http.request.method': 'GET',
            'server.address': 'api',
            'server.port': 80,
            'url.scheme': 'http',
            'http.response.status_code': 404,
            'error.type': '404',
          },
          1,
        ],
        [
          {
            'http.request.method': 'GET',
            'server.address': 'api',
            'server.port': 80,
            'url.scheme': 'http',
            'error.type': 'ECONNREFUSED',
          },
          1,
        ],
        [
          {
            'http.request.method': 'GET',
            'server.address': 'api',
            'server.port': 80,
            'url.scheme': 'https',
            'http.response.status_code': 200,
          },
          1,
        ],
        [{ 'otel.metric.overflow': true }, 1],
      ],
    );
    assert.equal(t.series, 4);
    assert.equal(t.overflowCount, 1);
  });
});
