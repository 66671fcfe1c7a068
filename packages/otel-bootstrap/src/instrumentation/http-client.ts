// Outbound HTTP: `http.client.request.duration` for node:http/https (diagnostics channels `http.client.request.start`,
// `http.client.response.finish`, `http.client.request.error`) and for fetch / undici (`undici:request:create`,
// `undici:request:headers`, `undici:request:error`; Node's built-in fetch publishes them too). Like the server side:
// no wrapping, no context, one start time on the request object and a keyed histogram with a series cap, so a
// service calling many hosts stays bounded. The duration ends when the response headers arrive (or the request
// fails): a response body the caller never reads must not keep a measurement open. Like the server's table, the
// series are found through nested maps of the values themselves (no key string, attribute object or closure per
// request).
import { Cell, inner, record } from '../aggregation/histogram.ts';
import { HTTP_DURATION_BUCKETS } from '../metrics.ts';
import { KNOWN_METHODS } from './http.ts';

const dc = process.getBuiltinModule('node:diagnostics_channel');

const START = Symbol('foursignals.otel-bootstrap.client-start');
/** Series cap of http.client.request.duration (a service may call many hosts). */
export const CLIENT_MAX_SERIES = 1000;

type HttpRequest = {
  [START]?: number;
  method?: string;
  host?: string;
  path?: string;
  protocol?: string;
  getHeader?: (name: string) => unknown;
};
type UndiciRequest = { [START]?: number; method?: string; origin?: string; path?: string };

interface Target {
  address: string;
  port: number;
  scheme: string;
}

/** The export endpoint of this process's bootstrap, whose requests are not the application's calls. */
export interface OwnEndpoint {
  address: string;
  port: number;
  path: string;
}

export function ownEndpoint(url: string): OwnEndpoint | undefined {
  try {
    const u = new URL(url);
    return { address: u.hostname, port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), path: u.pathname };
  } catch {
    return undefined;
  }
}

/**
 * method -> server.address -> port and scheme (`port * 2 + 1` for https) -> outcome (the status, or the error type of
 * a request that got no response) -> cell, with a series cap folding new combinations into one overflow cell.
 */
export class ClientTable {
  readonly bounds = HTTP_DURATION_BUCKETS;
  readonly table = new Map<string, Map<string, Map<number, Map<number | string, Cell>>>>();
  readonly maxSeries: number;
  series = 0;
  overflow: Cell | undefined;
  overflowCount = 0;

  constructor(maxSeries: number) {
    this.maxSeries = maxSeries;
  }

  record(
    method: string,
    address: string,
    port: number,
    https: boolean,
    status: number | undefined,
    error: string | undefined,
    seconds: number,
  ): void {
    const portKey = https ? port * 2 + 1 : port * 2;
    const byOutcome = inner(inner(inner(this.table, method), address), portKey);
    const outcome = error ?? status ?? 0;
    let cell = byOutcome.get(outcome);
    if (cell === undefined) {
      if (this.series >= this.maxSeries) {
        this.overflowCount++;
        this.overflow ??= new Cell(this.bounds.length, { 'otel.metric.overflow': true });
        record(this.overflow, this.bounds, seconds);
        return;
      }
      const errorType = error ?? (status !== undefined && status >= 400 ? String(status) : undefined);
      const a: Cell['attributes'] = {
        'http.request.method': method,
        'server.address': address,
        'server.port': port,
        'url.scheme': https ? 'https' : 'http',
      };
      if (status !== undefined) a['http.response.status_code'] = status;
      if (errorType !== undefined) a['error.type'] = errorType;
      cell = new Cell(this.bounds.length, a);
      byOutcome.set(outcome, cell);
      this.series++;
    }
    record(cell, this.bounds, seconds);
  }

  *all(): Iterable<Cell> {
    for (const byAddress of this.table.values())
      for (const byPort of byAddress.values()) for (const byOutcome of byPort.values()) yield* byOutcome.values();
    if (this.overflow) yield this.overflow;
  }
}

export class HttpClientMetrics {
  readonly table = new ClientTable(CLIENT_MAX_SERIES);
  private readonly own: OwnEndpoint | undefined;
  /** undici origins (`https://api.example.com:8443`) parsed once each; bounded like the series. */
  private readonly origins = new Map<string, Target>();

  constructor(own: OwnEndpoint | undefined) {
    this.own = own;
  }

  private readonly start = (msg: unknown): void => {
    (msg as { request: { [START]?: number } }).request[START] = performance.now();
  };

  private readonly httpFinish = (msg: unknown): void => {
    const { request, response } = msg as { request: HttpRequest; response: { statusCode?: number } };
    this.http(request, response.statusCode, undefined);
  };

  private readonly httpError = (msg: unknown): void => {
    const { request, error } = msg as { request: HttpRequest; error: unknown };
    this.http(request, undefined, errorType(error));
  };

  private readonly undiciHeaders = (msg: unknown): void => {
    const { request, response } = msg as { request: UndiciRequest; response: { statusCode?: number } };
    this.undici(request, response.statusCode, undefined);
  };

  private readonly undiciError = (msg: unknown): void => {
    const { request, error } = msg as { request: UndiciRequest; error: unknown };
    this.undici(request, undefined, errorType(error));
  };

  subscribe(http: boolean, undici: boolean): void {
    if (http) {
      dc.subscribe('http.client.request.start', this.start);
      dc.subscribe('http.client.response.finish', this.httpFinish);
      dc.subscribe('http.client.request.error', this.httpError);
    }
    if (undici) {
      dc.subscribe('undici:request:create', this.start);
      dc.subscribe('undici:request:headers', this.undiciHeaders);
      dc.subscribe('undici:request:error', this.undiciError);
    }
  }

  private http(request: HttpRequest, status: number | undefined, error: string | undefined): void {
    if (request[START] === undefined) return;
    const https = request.protocol === 'https:';
    // The Host header carries the port unless it is the scheme's default (Node sets it from the options).
    let port = https ? 443 : 80;
    const host = request.getHeader?.('host');
    if (typeof host === 'string') {
      const p = portOf(host);
      if (p > 0) port = p;
    }
    const address = request.host ?? 'localhost';
    if (this.isOwn(address, port, request.path)) return;
    this.finish(request, request.method, address, port, https, status, error);
  }

  private undici(request: UndiciRequest, status: number | undefined, error: string | undefined): void {
    if (request[START] === undefined || typeof request.origin !== 'string') return;
    let t = this.origins.get(request.origin);
    if (t === undefined) {
      try {
        const u = new URL(request.origin);
        const scheme = u.protocol === 'https:' ? 'https' : 'http';
        t = { address: u.hostname, port: Number(u.port) || (scheme === 'https' ? 443 : 80), scheme };
      } catch {
        return;
      }
      if (this.origins.size < CLIENT_MAX_SERIES) this.origins.set(request.origin, t);
    }
    if (this.isOwn(t.address, t.port, request.path)) return;
    this.finish(request, request.method, t.address, t.port, t.scheme === 'https', status, error);
  }

  private isOwn(address: string, port: number, path: string | undefined): boolean {
    const o = this.own;
    return o !== undefined && port === o.port && address === o.address && path === o.path;
  }

  private finish(
    request: { [START]?: number },
    rawMethod: string | undefined,
    address: string,
    port: number,
    https: boolean,
    status: number | undefined,
    error: string | undefined,
  ): void {
    const t0 = request[START];
    if (t0 === undefined) return;
    // Once per request: undici may report an error after the headers (a body cut short).
    request[START] = undefined;
    const seconds = (performance.now() - t0) / 1000;
    this.table.record(KNOWN_METHODS[rawMethod as string] ?? '_OTHER', address, port, https, status, error, seconds);
  }
}

/** The port at the end of a Host header (`example.com:8080`, `[::1]:8080`), or 0; no substring is made. */
export function portOf(host: string): number {
  let port = 0;
  let scale = 1;
  for (let i = host.length - 1; i > 0; i--) {
    const c = host.charCodeAt(i);
    if (c === 58 /* : */) return scale > 1 && port <= 65535 ? port : 0;
    if (c < 48 || c > 57 || scale > 1e5) return 0;
    port += (c - 48) * scale;
    scale *= 10;
  }
  return 0;
}

/** `error.type` of a failed request: the error's code (ECONNREFUSED, UND_ERR_SOCKET), else its class name. */
function errorType(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | undefined;
  if (typeof e?.code === 'string' && e.code !== '') return e.code;
  if (typeof e?.name === 'string' && e.name !== '') return e.name;
  return '_OTHER';
}
