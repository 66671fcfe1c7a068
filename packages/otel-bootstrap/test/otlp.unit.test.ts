// The built-in OTLP encoder, read back with an independent protobuf wire-format reader (field numbers from
// opentelemetry-proto v1 metrics.proto / common.proto). The end-to-end tests prove the collector accepts it; this
// pins every field, including the attribute value types.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Collection } from '../src/aggregation/collect.ts';
import { encode } from '../src/export/otlp.ts';
import { METRICS } from '../src/metrics.ts';

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
