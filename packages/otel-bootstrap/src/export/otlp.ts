// A small OTLP/HTTP protobuf metrics exporter: the default export path when the application does not use the
// OpenTelemetry API itself. It encodes our plain records (collect.ts) straight into an ExportMetricsServiceRequest
// (opentelemetry-proto v1 field numbers) and POSTs it with node:http, so the SDK, protobufjs and the exporter
// packages (~26 MiB of RSS, ~100 ms to load) are never loaded. Cumulative temporality only.
import type http from 'node:http';
import type { Attrs, AttrValue, Collection, Metric } from '../aggregation/collect.ts';
import { collect, DeltaTracker } from '../aggregation/collect.ts';
import { debug, describe, error, warnOnce } from '../log.ts';
import { SCOPE_NAME } from '../metrics.ts';
import type { State } from '../state.ts';
import { VERSION } from '../version.ts';
import { resourceAttributes } from './resource.ts';

const DELTA = 1;
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
          if (!Number.isNaN(p.min)) dp.double(11, p.min);
          if (!Number.isNaN(p.max)) dp.double(12, p.max);
        });
      }
      h.varint(2 * 8);
      h.varint(m.delta ? DELTA : CUMULATIVE);
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
      s.varint(m.delta ? DELTA : CUMULATIVE);
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
/** A failed export attempt; `retryable` for 429/502/503/504 and network errors, with the server's Retry-After. */
export class ExportError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryable: boolean, retryAfterMs?: number) {
    super(message);
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** The official exporters' policy: 5 attempts, first backoff 1 s, x1.5, at most 5 s, +-20 % jitter. */
const RETRY = { attempts: 5, initialMs: 1000, multiplier: 1.5, maxMs: 5000, jitter: 0.2 };
/** Requests kept for later when every attempt failed (delta data only: a cumulative request is superseded). */
export const MAX_PENDING_REQUESTS = 20;

/** Retry-After: delay-seconds or an HTTP-date. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** partial_success of an ExportMetricsServiceResponse (field 1: rejected_data_points = 1, error_message = 2). */
export function partialSuccess(body: Uint8Array): { rejected: number; message: string } | undefined {
  const r = new Reader(body);
  while (r.more()) {
    const [field, wire] = r.key();
    if (field === 1 && wire === 2) {
      const inner = new Reader(r.bytes());
      let rejected = 0;
      let message = '';
      while (inner.more()) {
        const [f, w] = inner.key();
        if (f === 1 && w === 0) rejected = inner.varint();
        else if (f === 2 && w === 2) message = Buffer.from(inner.bytes()).toString('utf8');
        else inner.skip(w);
      }
      return rejected > 0 || message !== '' ? { rejected, message } : undefined;
    }
    r.skip(wire);
  }
  return undefined;
}

/** The few protobuf reads partialSuccess needs. */
class Reader {
  private at = 0;
  private readonly b: Uint8Array;
  constructor(b: Uint8Array) {
    this.b = b;
  }
  more(): boolean {
    return this.at < this.b.length;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = this.b[this.at++];
      if (x === undefined) throw new Error('truncated varint');
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }
  key(): [number, number] {
    const k = this.varint();
    return [Math.floor(k / 8), k % 8];
  }
  bytes(): Uint8Array {
    const n = this.varint();
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.at += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.at += 4;
    else throw new Error(`wire type ${wire}`);
  }
}

function readTlsFile(variable: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return process.getBuiltinModule('node:fs').readFileSync(path);
  } catch (err) {
    error(`otlp:tls:${variable}`, `could not read ${variable}=${path} (${describe(err)}); exporting without it`);
    return undefined;
  }
}

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
  private readonly delta: DeltaTracker | undefined;
  /** One kept-alive connection to the collector (idle sockets are unref'd by the agent). */
  private readonly agent: http.Agent;
  /** Delta requests whose every attempt failed, oldest first, sent again before the next one. */
  readonly pending: Uint8Array[] = [];
  private droppedRequests = 0;

  constructor(state: State) {
    this.state = state;
    this.resource = resourceAttributes(state);
    this.url = new URL(state.config.endpoint);
    this.delta = state.config.temporality === 'cumulative' ? undefined : new DeltaTracker();
    const https = this.url.protocol === 'https:';
    const tls = state.config.tls;
    this.agent = https
      ? new (process.getBuiltinModule('node:https').Agent)({
          keepAlive: true,
          maxSockets: 1,
          ca: readTlsFile('OTEL_EXPORTER_OTLP_CERTIFICATE', tls.certificate),
          key: readTlsFile('OTEL_EXPORTER_OTLP_CLIENT_KEY', tls.clientKey),
          cert: readTlsFile('OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', tls.clientCertificate),
        })
      : new (process.getBuiltinModule('node:http').Agent)({ keepAlive: true, maxSockets: 1 });
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
    this.agent.destroy();
  }

  private async exportOnce(): Promise<void> {
    let body: Uint8Array;
    try {
      const collected = await collect(this.state);
      const c = this.delta === undefined ? collected : this.delta.apply(collected);
      body = encode(this.resource, { name: SCOPE_NAME, version: VERSION }, c);
      if (this.state.config.compression === 'gzip') body = process.getBuiltinModule('node:zlib').gzipSync(body);
    } catch (err) {
      error('otlp:collect', `metrics collection failed: ${describe(err)}`);
      return;
    }
    // Delta requests left over from a failed export go first, in order; a cumulative one is superseded by this.
    const queue = [...this.pending.splice(0), body];
    const deadline =
      Date.now() + Math.min(this.state.config.exportTimeoutMillis, this.state.config.exportIntervalMillis);
    for (let i = 0; i < queue.length; i++) {
      try {
        await this.send(queue[i]!, deadline);
        debug(`exported ${queue[i]!.length} bytes`);
      } catch (err) {
        error('otlp', `metrics export to ${this.url.href} failed: ${describe(err)}`);
        if (this.delta !== undefined && (err as ExportError).retryable !== false) this.keep(queue.slice(i));
        return;
      }
    }
  }

  /** Keeps failed delta requests for the next export, at most MAX_PENDING_REQUESTS (the oldest go first). */
  private keep(bodies: Uint8Array[]): void {
    this.pending.push(...bodies);
    const excess = this.pending.length - MAX_PENDING_REQUESTS;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.droppedRequests += excess;
      error(
        'otlp:dropped',
        `the collector refused exports for too long: ${this.droppedRequests} delta export requests dropped so far`,
      );
    }
  }

  /** One request with the official exporters' retry policy, within the deadline. */
  private async send(body: Uint8Array, deadline: number): Promise<void> {
    let backoff = RETRY.initialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(body);
        return;
      } catch (err) {
        const e = err as Partial<ExportError>;
        if (e.retryable !== true || attempt >= RETRY.attempts || this.stopped) throw err;
        const jittered = backoff * (1 + RETRY.jitter * (2 * Math.random() - 1));
        const wait = e.retryAfterMs ?? jittered;
        if (Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait).unref());
        backoff = Math.min(backoff * RETRY.multiplier, RETRY.maxMs);
      }
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
          agent: this.agent,
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
          let size = 0;
          res.on('data', (d: Buffer) => {
            // A response is small (partial_success at most); never hold more than 64 KiB of it.
            if (size < 65_536) chunks.push(d);
            size += d.length;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks);
            if (status >= 200 && status < 300) {
              this.logPartialSuccess(res.headers['content-type'], text);
              resolve();
              return;
            }
            const retryAfter = retryAfterMs(res.headers['retry-after']);
            reject(
              new ExportError(
                `HTTP ${status} ${text.toString('utf8').slice(0, 200)}`,
                RETRYABLE_STATUS.has(status),
                retryAfter,
              ),
            );
          });
          res.on('error', (err) => reject(new ExportError((err as Error).message ?? String(err), true)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${cfg.timeoutMillis} ms`)));
      req.on('error', (err) => reject(new ExportError((err as Error).message ?? String(err), true)));
      // A periodic export must not keep the process alive on its own; the last one (shutdown) must.
      req.on('socket', (s) => {
        if (!this.final) s.unref();
      });
      this.req = req;
      req.end(body);
    });
  }

  private logPartialSuccess(contentType: string | undefined, body: Buffer): void {
    if (body.length === 0 || contentType?.includes('json')) return;
    try {
      const p = partialSuccess(body);
      if (p !== undefined)
        warnOnce(
          'otlp:partial-success',
          `the collector rejected ${p.rejected} data points${p.message ? `: ${p.message}` : ''} (logged once)`,
        );
    } catch {
      // not an ExportMetricsServiceResponse: nothing to report
    }
  }
}
