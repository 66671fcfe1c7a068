// The built-in OTLP encoder, read back with an independent protobuf wire-format reader (field numbers from
// opentelemetry-proto v1 metrics.proto / common.proto). The end-to-end tests prove the collector accepts it; this
// pins every field, including the attribute value types.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import type { Collection } from '../src/aggregation/collect.ts';
import { encode, partialSuccess, retryAfterMs } from '../src/export/otlp.ts';
import { METRICS } from '../src/metrics.ts';
import { load, startApp, uniqueService } from './helpers.ts';

type Field = { n: number; wire: number; v: bigint | Uint8Array };

function varint(b: Uint8Array, at: number): [bigint, number] {
  let r = 0n;
  let shift = 0n;
  for (;;) {
    const x = b[at++]!;
    r |= BigInt(x & 0x7f) << shift;
    if (x < 0x80) return [r, at];
    shift += 7n;
  }
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  while (at < b.length) {
    const [key, next] = varint(b, at);
    at = next;
    const n = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, n2] = varint(b, at);
      at = n2;
      out.push({ n, wire, v });
    } else if (wire === 1) {
      out.push({ n, wire, v: view.getBigUint64(at, true) });
      at += 8;
    } else if (wire === 2) {
      const [len, n2] = varint(b, at);
      at = n2;
      out.push({ n, wire, v: b.subarray(at, at + Number(len)) });
      at += Number(len);
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

const all = (b: Uint8Array, n: number) => fields(b).filter((f) => f.n === n);
const one = (b: Uint8Array, n: number) => {
  const f = all(b, n);
  assert.equal(f.length, 1, `field ${n}`);
  return f[0]!;
};
const bytes = (f: Field) => f.v as Uint8Array;
const str = (f: Field) => Buffer.from(bytes(f)).toString('utf8');
const dbl = (f: Field) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, f.v as bigint, true);
  return dv.getFloat64(0, true);
};

function attrs(b: Uint8Array, n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of all(b, n)) {
    const key = str(one(bytes(kv), 1));
    const [val] = fields(bytes(one(bytes(kv), 2)));
    if (val!.n === 1) out[key] = str(val!);
    else if (val!.n === 2) out[key] = val!.v === 1n;
    else if (val!.n === 3) out[key] = Number(BigInt.asIntN(64, val!.v as bigint));
    else if (val!.n === 4) out[key] = dbl(val!);
  }
  return out;
}

test('ExportMetricsServiceRequest fields: resource, scope, histogram, sum, gauge, attribute types', () => {
  const c: Collection = {
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_060_500.25,
    metrics: [
      {
        def: METRICS.httpServerDuration,
        type: 'histogram',
        points: [
          {
            attributes: {
              'http.request.method': 'GET',
              'http.response.status_code': 200,
              neg: -5,
              ok: true,
              ratio: 1.5,
            },
            count: 3,
            sum: 0.75,
            min: 0.1,
            max: 0.4,
            bounds: [0.1, 0.5],
            counts: [1, 2, 0],
          },
        ],
      },
      {
        def: METRICS.cpuTime,
        type: 'sum',
        monotonic: true,
        points: [{ attributes: { 'cpu.mode': 'user' }, value: 2.5 }],
      },
      { def: METRICS.memoryUsage, type: 'sum', monotonic: false, points: [{ attributes: {}, value: 1234 }] },
      { def: METRICS.eventLoopUtilization, type: 'gauge', points: [{ attributes: {}, value: 0.25 }] },
    ],
  };
  const req = encode({ 'service.name': 'svc', 'process.pid': 42 }, { name: 'scope', version: '1.2.3' }, c);
  const rm = bytes(one(req, 1));
  assert.deepEqual(attrs(bytes(one(rm, 1)), 1), { 'service.name': 'svc', 'process.pid': 42 });
  const sm = bytes(one(rm, 2));
  const scope = bytes(one(sm, 1));
  assert.equal(str(one(scope, 1)), 'scope');
  assert.equal(str(one(scope, 2)), '1.2.3');
  const metrics = all(sm, 2).map(bytes);
  assert.equal(metrics.length, 4);

  const [h, s1, s2, g] = metrics as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  assert.equal(str(one(h, 1)), 'http.server.request.duration');
  assert.equal(str(one(h, 3)), 's');
  const hist = bytes(one(h, 9));
  assert.equal(one(hist, 2).v, 2n, 'cumulative');
  const dp = bytes(one(hist, 1));
  assert.equal(one(dp, 2).v, 1_700_000_000_000_000_000n);
  assert.equal(one(dp, 3).v, 1_700_000_060_500_250_000n);
  assert.equal(one(dp, 4).v, 3n);
  assert.equal(dbl(one(dp, 5)), 0.75);
  const counts = bytes(one(dp, 6));
  const cv = new DataView(counts.buffer, counts.byteOffset, counts.byteLength);
  assert.deepEqual(
    [0, 1, 2].map((i) => Number(cv.getBigUint64(i * 8, true))),
    [1, 2, 0],
  );
  const bounds = bytes(one(dp, 7));
  const bv = new DataView(bounds.buffer, bounds.byteOffset, bounds.byteLength);
  assert.deepEqual(
    [0, 1].map((i) => bv.getFloat64(i * 8, true)),
    [0.1, 0.5],
  );
  assert.deepEqual(attrs(dp, 9), {
    'http.request.method': 'GET',
    'http.response.status_code': 200,
    neg: -5,
    ok: true,
    ratio: 1.5,
  });
  assert.equal(dbl(one(dp, 11)), 0.1);
  assert.equal(dbl(one(dp, 12)), 0.4);

  const sum1 = bytes(one(s1, 7));
  assert.equal(one(sum1, 2).v, 2n);
  assert.equal(one(sum1, 3).v, 1n, 'monotonic');
  const sdp = bytes(one(sum1, 1));
  assert.equal(dbl(one(sdp, 4)), 2.5);
  assert.deepEqual(attrs(sdp, 7), { 'cpu.mode': 'user' });
  assert.equal(one(bytes(one(s2, 7)), 3).v, 0n, 'not monotonic');

  const gauge = bytes(one(g, 5));
  const gdp = bytes(one(gauge, 1));
  assert.equal(dbl(one(gdp, 4)), 0.25);
  assert.equal(one(gdp, 2).v, one(gdp, 3).v, 'a gauge point starts when it is taken');
});

// ---- The same input through @opentelemetry/otlp-transformer (the official exporters' encoder): both requests
// decode, with the schema of opentelemetry-proto's metrics.proto, to the same data (defaults filled in, attributes
// in key order, so only the data counts, not the encoder's field order or omission of default values).

type Schema = Record<
  number,
  [name: string, kind: 'msg' | 'str' | 'varint' | 'fixed64' | 'double' | 'packed64' | 'packedDouble', sub?: string]
>;
const SCHEMAS: Record<string, Schema> = {
  Request: { 1: ['resourceMetrics', 'msg', 'ResourceMetrics'] },
  ResourceMetrics: {
    1: ['resource', 'msg', 'Resource'],
    2: ['scopeMetrics', 'msg', 'ScopeMetrics'],
    3: ['schemaUrl', 'str'],
  },
  Resource: { 1: ['attributes', 'msg', 'KeyValue'], 2: ['droppedAttributesCount', 'varint'] },
  ScopeMetrics: { 1: ['scope', 'msg', 'Scope'], 2: ['metrics', 'msg', 'Metric'], 3: ['schemaUrl', 'str'] },
  Scope: { 1: ['name', 'str'], 2: ['version', 'str'], 3: ['attributes', 'msg', 'KeyValue'], 4: ['dropped', 'varint'] },
  Metric: {
    1: ['name', 'str'],
    2: ['description', 'str'],
    3: ['unit', 'str'],
    5: ['gauge', 'msg', 'Gauge'],
    7: ['sum', 'msg', 'Sum'],
    9: ['histogram', 'msg', 'Histogram'],
  },
  Gauge: { 1: ['dataPoints', 'msg', 'NumberDataPoint'] },
  Sum: { 1: ['dataPoints', 'msg', 'NumberDataPoint'], 2: ['temporality', 'varint'], 3: ['isMonotonic', 'varint'] },
  Histogram: { 1: ['dataPoints', 'msg', 'HistogramDataPoint'], 2: ['temporality', 'varint'] },
  NumberDataPoint: {
    7: ['attributes', 'msg', 'KeyValue'],
    2: ['startTimeUnixNano', 'fixed64'],
    3: ['timeUnixNano', 'fixed64'],
    4: ['asDouble', 'double'],
    6: ['asInt', 'fixed64'],
    8: ['flags', 'varint'],
  },
  HistogramDataPoint: {
    9: ['attributes', 'msg', 'KeyValue'],
    2: ['startTimeUnixNano', 'fixed64'],
    3: ['timeUnixNano', 'fixed64'],
    4: ['count', 'fixed64'],
    5: ['sum', 'double'],
    6: ['bucketCounts', 'packed64'],
    7: ['explicitBounds', 'packedDouble'],
    10: ['flags', 'varint'],
    11: ['min', 'double'],
    12: ['max', 'double'],
  },
  KeyValue: { 1: ['key', 'str'], 2: ['value', 'msg', 'AnyValue'] },
  AnyValue: { 1: ['string', 'str'], 2: ['bool', 'varint'], 3: ['int', 'varint'], 4: ['double', 'double'] },
};
const REPEATED = new Set(['resourceMetrics', 'scopeMetrics', 'metrics', 'dataPoints', 'attributes']);

function decodeAs(type: string, b: Uint8Array): Record<string, unknown> {
  const schema = SCHEMAS[type]!;
  const out: Record<string, unknown> = {};
  for (const [, [name, kind]] of Object.entries(schema)) {
    if (REPEATED.has(name) || kind === 'packed64' || kind === 'packedDouble') out[name] = [];
    else if (kind === 'str') out[name] = '';
    else if (kind !== 'msg') out[name] = 0;
  }
  for (const f of fields(b)) {
    const spec = schema[f.n];
    assert.ok(spec, `${type}: unexpected field ${f.n}`);
    const [name, kind, sub] = spec;
    let v: unknown;
    if (kind === 'msg') v = decodeAs(sub!, f.v as Uint8Array);
    else if (kind === 'str') v = Buffer.from(f.v as Uint8Array).toString('utf8');
    else if (kind === 'varint') v = Number(BigInt.asIntN(64, f.v as bigint));
    else if (kind === 'fixed64') v = (f.v as bigint).toString();
    else if (kind === 'double') v = dbl(f);
    else {
      // packed (one length-delimited field) or not (one fixed64 field per value): both are valid encodings
      const arr = out[name] as unknown[];
      if (f.wire === 1) arr.push(kind === 'packedDouble' ? dbl(f) : Number(f.v));
      else {
        const bytes8 = f.v as Uint8Array;
        const dv = new DataView(bytes8.buffer, bytes8.byteOffset, bytes8.byteLength);
        for (let i = 0; i < bytes8.length; i += 8)
          arr.push(kind === 'packedDouble' ? dv.getFloat64(i, true) : Number(dv.getBigUint64(i, true)));
      }
      continue;
    }
    if (REPEATED.has(name)) (out[name] as unknown[]).push(v);
    else out[name] = v;
  }
  if (Array.isArray(out['attributes']))
    (out['attributes'] as { key: string }[]).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}

test('the built-in encoder and @opentelemetry/otlp-transformer encode the same data', async () => {
  const { ProtobufMetricsSerializer } = await import('@opentelemetry/otlp-transformer');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { toMetricData } = await import('../src/export/sdk.ts');
  const c: Collection = {
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_060_500.25,
    metrics: [
      {
        def: METRICS.httpServerDuration,
        type: 'histogram',
        points: [
          {
            attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.scheme': 'http' },
            count: 3,
            sum: 0.75,
            min: 0.1,
            max: 0.4,
            bounds: [0.1, 0.5],
            counts: [1, 2, 0],
          },
          {
            attributes: { 'otel.metric.overflow': true },
            count: 1,
            sum: 9.5,
            min: 9.5,
            max: 9.5,
            bounds: [0.1, 0.5],
            counts: [0, 0, 1],
          },
        ],
      },
      {
        def: METRICS.cpuTime,
        type: 'sum',
        monotonic: true,
        points: [
          { attributes: { 'cpu.mode': 'user' }, value: 2.5 },
          { attributes: { 'cpu.mode': 'system' }, value: 0.25 },
        ],
      },
      { def: METRICS.memoryUsage, type: 'sum', monotonic: false, points: [{ attributes: {}, value: 1234 }] },
      { def: METRICS.eventLoopUtilization, type: 'gauge', points: [{ attributes: {}, value: 0.25 }] },
    ],
  };
  const resource = { 'service.name': 'svc', 'process.pid': 42, 'host.arch': 'amd64' };
  const scope = { name: '@foursignals/otel-bootstrap', version: '1.2.3' };
  const ours = encode(resource, scope, c);
  const official = ProtobufMetricsSerializer.serializeRequest({
    resource: resourceFromAttributes(resource),
    scopeMetrics: [{ scope, metrics: toMetricData(c) }],
  });
  assert.ok(official && official.length > 0);
  assert.deepEqual(decodeAs('Request', ours), decodeAs('Request', official));
});

// ---- The built-in exporter against a fake collector (a real HTTP server; the real collector cannot be made to
// answer 429 on demand): retries with backoff honouring Retry-After, keep-alive, partial_success, no data lost.

/** Sum of http.server.request.duration counts in one ExportMetricsServiceRequest, and its temporality. */
function httpCount(body: Uint8Array): { count: number; temporality: number } {
  let count = 0;
  let temporality = 0;
  const req = decodeAs('Request', body) as {
    resourceMetrics: { scopeMetrics: { metrics: { name: string; histogram?: Record<string, unknown> }[] }[] }[];
  };
  for (const rm of req.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) {
        if (m.name !== 'http.server.request.duration' || m.histogram === undefined) continue;
        temporality = m.histogram['temporality'] as number;
        for (const dp of m.histogram['dataPoints'] as { count: string }[]) count += Number(dp.count);
      }
  return { count, temporality };
}

interface FakeCollector {
  url: string;
  accepted: Uint8Array[];
  refused: number;
  connections: number;
  /** Answer the next `n` requests with this status and Retry-After. */
  storm(n: number, status: number, retryAfter?: string): void;
  close(): void;
}

async function fakeCollector(response: Uint8Array = new Uint8Array()): Promise<FakeCollector> {
  let stormLeft = 0;
  let stormStatus = 429;
  let stormRetryAfter: string | undefined;
  const fake: FakeCollector = {
    url: '',
    accepted: [],
    refused: 0,
    connections: 0,
    storm(n, status, retryAfter) {
      stormLeft = n;
      stormStatus = status;
      stormRetryAfter = retryAfter;
    },
    close: () => server.close(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      if (stormLeft > 0) {
        stormLeft--;
        fake.refused++;
        res.writeHead(stormStatus, stormRetryAfter === undefined ? {} : { 'retry-after': stormRetryAfter });
        res.end('slow down');
        return;
      }
      fake.accepted.push(new Uint8Array(Buffer.concat(chunks)));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end(response);
    });
  });
  server.on('connection', () => fake.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return fake;
}

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const temporality of ['cumulative', 'delta'] as const) {
  test(`a 429/503 storm (${temporality}): zero failed app requests, nothing lost once it clears`, async () => {
    const fake = await fakeCollector();
    const app = await startApp('express.cjs', {
      OTEL_SERVICE_NAME: uniqueService('storm'),
      OTEL_EXPORTER_OTLP_ENDPOINT: fake.url,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: temporality,
    });
    try {
      // Refuse everything for a while: Retry-After 0 s (honoured instead of the 1 s backoff), then 503 without it.
      fake.storm(1_000_000, 429, '0');
      const res = await load(app.port, 400, 8, (i) => ['GET', `/api/orders/${i}`]);
      assert.equal(res.filter((r) => r.status !== 200).length, 0);
      await until('refused exports', () => fake.refused >= 10);
      fake.storm(3, 503);
      const res2 = await load(app.port, 100, 8, (i) => ['GET', `/api/orders/${i}`]);
      assert.equal(res2.filter((r) => r.status !== 200).length, 0);
      const total = () => {
        const counts = fake.accepted.map(httpCount);
        return temporality === 'cumulative'
          ? Math.max(0, ...counts.map((c) => c.count))
          : counts.reduce((a, c) => a + c.count, 0);
      };
      await until('every request exported', () => total() >= 500);
      assert.equal(total(), 500);
      const temporalities = new Set(fake.accepted.map((b) => httpCount(b).temporality).filter((t) => t !== 0));
      assert.deepEqual([...temporalities], [temporality === 'delta' ? 1 : 2]);
      // Keep-alive: the exports share connections (far fewer connections than requests).
      assert.ok(fake.connections < (fake.refused + fake.accepted.length) / 2, `${fake.connections} connections`);
    } finally {
      await app.stop('SIGKILL');
      fake.close();
    }
  });
}

test('partial_success is logged once; Retry-After dates and seconds are read', async () => {
  // ExportMetricsServiceResponse { partial_success { rejected_data_points: 7, error_message: "bad point" } }
  const msg = Buffer.from('bad point');
  const inner = Buffer.concat([Buffer.from([0x08, 7, 0x12, msg.length]), msg]);
  const response = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
  assert.deepEqual(partialSuccess(response), { rejected: 7, message: 'bad point' });
  assert.equal(partialSuccess(new Uint8Array()), undefined);
  assert.equal(retryAfterMs('3'), 3000);
  assert.ok((retryAfterMs(new Date(Date.now() + 10_000).toUTCString()) ?? 0) > 8000);
  assert.equal(retryAfterMs('soon'), undefined);

  const fake = await fakeCollector(response);
  const app = await startApp('express.cjs', {
    OTEL_SERVICE_NAME: uniqueService('partial'),
    OTEL_EXPORTER_OTLP_ENDPOINT: fake.url,
    OTEL_METRIC_EXPORT_INTERVAL: '200',
  });
  try {
    await load(app.port, 5, 2, () => ['GET', '/api/orders/1']);
    await until('three exports', () => fake.accepted.length >= 3);
    const lines = app
      .stderr()
      .split('\n')
      .filter((l) => l.includes('rejected 7 data points: bad point'));
    assert.equal(lines.length, 1, app.stderr());
  } finally {
    await app.stop('SIGKILL');
    fake.close();
  }
});

test('OTLP over https with the certificate variables: the CA is trusted and the client certificate sent (mTLS)', async () => {
  // Throw-away CA, server and client certificates from the openssl command line (Debian's openssl package).
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const https = await import('node:https');
  const dir = mkdtempSync(join(tmpdir(), 'ob-tls-'));
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${who}`,
      '-keyout',
      f(`${who}.key`),
      '-out',
      f(`${who}.csr`),
    );
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${who}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      f(`${who}.pem`),
      ...(who === 'server' ? ['-extfile', f('san.ext')] : []),
    );
  }
  const peers: string[] = [];
  const bodies: Uint8Array[] = [];
  const server = https.createServer(
    {
      key: readFileSync(f('server.key')),
      cert: readFileSync(f('server.pem')),
      ca: readFileSync(f('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      peers.push((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        bodies.push(new Uint8Array(Buffer.concat(chunks)));
        res.end();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const app = await startApp('express.cjs', {
    OTEL_SERVICE_NAME: uniqueService('mtls'),
    OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    OTEL_EXPORTER_OTLP_CERTIFICATE: f('ca.pem'),
    OTEL_EXPORTER_OTLP_CLIENT_KEY: f('client.key'),
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: f('client.pem'),
    OTEL_METRIC_EXPORT_INTERVAL: '300',
  });
  try {
    await load(app.port, 6, 2, () => ['GET', '/api/orders/1']);
    await until('the requests exported over mTLS', () => bodies.some((b) => httpCount(b).count === 6));
    assert.ok(peers.every((p) => p === 'client'));
    assert.equal(app.stderr(), '');
  } finally {
    await app.stop('SIGKILL');
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
