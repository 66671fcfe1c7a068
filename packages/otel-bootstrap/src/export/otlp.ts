// A small OTLP/HTTP protobuf metrics exporter: the default export path when the application does not use the
// OpenTelemetry API itself. It encodes our plain records (collect.ts) straight into an ExportMetricsServiceRequest
// (opentelemetry-proto v1 field numbers) and POSTs it with node:http, so the SDK, protobufjs and the exporter
// packages (~26 MiB of RSS, ~100 ms to load) are never loaded. Cumulative temporality only.
import type http from 'node:http';
import type { Attrs, AttrValue, Collection, Metric } from '../aggregation/collect.ts';
import { collect, resourceAttributes } from '../aggregation/collect.ts';
import { debug, describe, error } from '../log.ts';
import { SCOPE_NAME } from '../metrics.ts';
import type { State } from '../state.ts';
import { VERSION } from '../version.ts';

const { hostname } = process.getBuiltinModule('node:os');

const CUMULATIVE = 2;

/** A protobuf writer: varints, fixed64, doubles, length-delimited fields. */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(10);
    // Values here are non-negative and below 2^53.
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setBigUint64(this.len, v, true);
    this.len += 8;
  }

  int64(field: number, v: number): void {
    this.tag(field, 0);
    if (v >= 0) this.varint(v);
    else {
      // two's complement, 10 bytes
      let b = BigInt.asUintN(64, BigInt(v));
      this.ensure(10);
      while (b >= 0x80n) {
        this.buf[this.len++] = Number(b & 0x7fn) | 0x80;
        b >>= 7n;
      }
      this.buf[this.len++] = Number(b);
    }
  }

  bool(field: number, v: boolean): void {
    this.tag(field, 0);
    this.varint(v ? 1 : 0);
  }

  string(field: number, s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.bytes(field, bytes);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.bytes(field, w.finish());
  }

  packedFixed64(field: number, values: number[]): void {
    const w = new Writer();
    w.ensure(values.length * 8);
    for (const v of values) {
      w.view.setBigUint64(w.len, BigInt(v), true);
      w.len += 8;
    }
    this.bytes(field, w.finish());
  }

  packedDouble(field: number, values: readonly number[]): void {
    const w = new Writer();
    w.ensure(values.length * 8);
    for (const v of values) {
      w.view.setFloat64(w.len, v, true);
      w.len += 8;
    }
    this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function anyValue(w: Writer, v: AttrValue): void {
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') w.bool(2, v);
  else if (Number.isInteger(v)) w.int64(3, v);
  else w.double(4, v);
}

function attributes(w: Writer, field: number, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    w.message(field, (kv) => {
      kv.string(1, k);
      kv.message(2, (av) => anyValue(av, v));
    });
  }
}

function nanos(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

function metric(w: Writer, m: Metric, start: bigint, end: bigint): void {
  w.string(1, m.def.name);
  w.string(2, m.def.description);
  w.string(3, m.def.unit);
  if (m.type === 'histogram') {
    w.message(9, (h) => {
      for (const p of m.points) {
        h.message(1, (dp) => {
          dp.fixed64(2, start);
          dp.fixed64(3, end);
          dp.fixed64(4, BigInt(p.count));
          dp.double(5, p.sum);
          dp.packedFixed64(6, p.counts);
          dp.packedDouble(7, p.bounds);
          attributes(dp, 9, p.attributes);
          dp.double(11, p.min);
          dp.double(12, p.max);
        });
      }
      h.varint(2 * 8);
      h.varint(CUMULATIVE);
    });
    return;
  }
  const numberPoints = (w2: Writer, isGauge: boolean) => {
    for (const p of m.points) {
      w2.message(1, (dp) => {
        dp.fixed64(2, isGauge ? end : start);
        dp.fixed64(3, end);
        dp.double(4, p.value);
        attributes(dp, 7, p.attributes);
      });
    }
  };
  if (m.type === 'sum') {
    w.message(7, (s) => {
      numberPoints(s, false);
      s.tag(2, 0);
      s.varint(CUMULATIVE);
      s.bool(3, m.monotonic);
    });
  } else {
    w.message(5, (g) => numberPoints(g, true));
  }
}

/** Encodes one collection as an ExportMetricsServiceRequest. */
export function encode(resource: Attrs, scope: { name: string; version: string }, c: Collection): Uint8Array {
  const start = nanos(c.startMs);
  const end = nanos(c.endMs);
  const w = new Writer();
  w.message(1, (rm) => {
    rm.message(1, (r) => attributes(r, 1, resource));
    rm.message(2, (sm) => {
      sm.message(1, (s) => {
        s.string(1, scope.name);
        s.string(2, scope.version);
      });
      for (const m of c.metrics) sm.message(2, (mw) => metric(mw, m, start, end));
    });
  });
  return w.finish();
}

export interface ExportHandle {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Periodic OTLP/HTTP protobuf export of the bootstrap's own metrics. */
export class LiteOtlpExporter implements ExportHandle {
  private readonly state: State;
  private readonly resource: Attrs;
  private readonly url: URL;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  /** Set by shutdown: from then on the export request keeps the process alive until it is answered. */
  private final = false;
  private req: http.ClientRequest | undefined;

  constructor(state: State) {
    this.state = state;
    this.resource = resourceAttributes(state, hostname(), VERSION);
    this.url = new URL(state.config.endpoint);
    this.timer = setInterval(() => void this.forceFlush(), state.config.exportIntervalMillis);
    this.timer.unref();
  }

  forceFlush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.inflight ??= this.exportOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Stops the timer without a last export (the SDK path takes over). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.final = true;
    this.req?.socket?.ref();
    await this.inflight;
    await this.forceFlush();
    this.stopped = true;
  }

  private async exportOnce(): Promise<void> {
    try {
      const c = await collect(this.state);
      let body = encode(this.resource, { name: SCOPE_NAME, version: VERSION }, c);
      if (this.state.config.compression === 'gzip') body = process.getBuiltinModule('node:zlib').gzipSync(body);
      await this.post(body);
      debug(`exported ${c.metrics.length} metrics (${body.length} bytes)`);
    } catch (err) {
      error('otlp', `metrics export to ${this.url.href} failed: ${describe(err)}`);
    }
  }

  private post(body: Uint8Array): Promise<void> {
    const cfg = this.state.config;
    // getBuiltinModule, not `import http from 'node:http'`: an ESM import of node:http builds its namespace, which
    // runs the lazy getters (http.WebSocket loads undici: +16 MiB RSS). node:https (TLS) only when needed.
    const mod =
      this.url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    return new Promise<void>((resolve, reject) => {
      const req = mod.request(
        this.url,
        {
          method: 'POST',
          agent: false,
          headers: {
            ...cfg.headers,
            'content-type': 'application/x-protobuf',
            'content-length': body.length,
            ...(cfg.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
          },
          timeout: cfg.timeoutMillis,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => {
            if (chunks.length < 4) chunks.push(d);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`HTTP ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${cfg.timeoutMillis} ms`)));
      req.on('error', reject);
      // A periodic export must not keep the process alive on its own; the last one (shutdown) must.
      req.on('socket', (s) => {
        if (!this.final) s.unref();
      });
      this.req = req;
      req.end(body);
    });
  }
}
