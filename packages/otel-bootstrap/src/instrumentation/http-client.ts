// Outbound HTTP: `http.client.request.duration` for node:http/https (diagnostics channels `http.client.request.start`,
// `http.client.response.finish`, `http.client.request.error`) and for fetch / undici (`undici:request:create`,
// `undici:request:headers`, `undici:request:error`; Node's built-in fetch publishes them too). Like the server side:
// no wrapping, no context, one start time on the request object and a keyed histogram with a series cap, so a
// service calling many hosts stays bounded. The duration ends when the response headers arrive (or the request
// fails): a response body the caller never reads must not keep a measurement open.
import { type Cell, KeyedHistogram } from '../aggregation/histogram.ts';
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

export class HttpClientMetrics {
  readonly table = new KeyedHistogram(HTTP_DURATION_BUCKETS, CLIENT_MAX_SERIES);
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
    const t = this.httpTarget(request);
    if (t !== undefined) this.finish(request, request.method, t, response.statusCode, undefined);
  };

  private readonly httpError = (msg: unknown): void => {
    const { request, error } = msg as { request: HttpRequest; error: unknown };
    const t = this.httpTarget(request);
    if (t !== undefined) this.finish(request, request.method, t, undefined, errorType(error));
  };

  private readonly undiciHeaders = (msg: unknown): void => {
    const { request, response } = msg as { request: UndiciRequest; response: { statusCode?: number } };
    const t = this.undiciTarget(request);
    if (t !== undefined) this.finish(request, request.method, t, response.statusCode, undefined);
  };

  private readonly undiciError = (msg: unknown): void => {
    const { request, error } = msg as { request: UndiciRequest; error: unknown };
    const t = this.undiciTarget(request);
    if (t !== undefined) this.finish(request, request.method, t, undefined, errorType(error));
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

  private httpTarget(request: HttpRequest): Target | undefined {
    if (request[START] === undefined) return undefined;
    const scheme = request.protocol === 'https:' ? 'https' : 'http';
    // The Host header carries the port unless it is the scheme's default (Node sets it from the options).
    let port = scheme === 'https' ? 443 : 80;
    const host = request.getHeader?.('host');
    if (typeof host === 'string') {
      const colon = host.lastIndexOf(':');
      if (colon > 0 && host.indexOf(']', colon) < 0) {
        const p = Number(host.slice(colon + 1));
        if (Number.isInteger(p) && p > 0) port = p;
      }
    }
    const address = request.host ?? 'localhost';
    if (this.isOwn(address, port, request.path)) return undefined;
    return { address, port, scheme };
  }

  private undiciTarget(request: UndiciRequest): Target | undefined {
    if (request[START] === undefined || typeof request.origin !== 'string') return undefined;
    let t = this.origins.get(request.origin);
    if (t === undefined) {
      try {
        const u = new URL(request.origin);
        const scheme = u.protocol === 'https:' ? 'https' : 'http';
        t = { address: u.hostname, port: Number(u.port) || (scheme === 'https' ? 443 : 80), scheme };
      } catch {
        return undefined;
      }
      if (this.origins.size < CLIENT_MAX_SERIES) this.origins.set(request.origin, t);
    }
    if (this.isOwn(t.address, t.port, request.path)) return undefined;
    return t;
  }

  private isOwn(address: string, port: number, path: string | undefined): boolean {
    const o = this.own;
    return o !== undefined && port === o.port && address === o.address && path === o.path;
  }

  private finish(
    request: { [START]?: number },
    rawMethod: string | undefined,
    t: Target,
    status: number | undefined,
    error: string | undefined,
  ): void {
    const t0 = request[START];
    if (t0 === undefined) return;
    // Once per request: undici may report an error after the headers (a body cut short).
    request[START] = undefined;
    const seconds = (performance.now() - t0) / 1000;
    const method = KNOWN_METHODS[rawMethod as string] ?? '_OTHER';
    const errorType = error ?? (status !== undefined && status >= 400 ? String(status) : undefined);
    const key = `${method}\0${t.address}\0${t.port}\0${status ?? ''}\0${errorType ?? ''}`;
    this.table.record(
      key,
      () => {
        const a: Cell['attributes'] = {
          'http.request.method': method,
          'server.address': t.address,
          'server.port': t.port,
          'url.scheme': t.scheme,
        };
        if (status !== undefined) a['http.response.status_code'] = status;
        if (errorType !== undefined) a['error.type'] = errorType;
        return a;
      },
      seconds,
    );
  }
}

/** `error.type` of a failed request: the error's code (ECONNREFUSED, UND_ERR_SOCKET), else its class name. */
function errorType(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | undefined;
  if (typeof e?.code === 'string' && e.code !== '') return e.code;
  if (typeof e?.name === 'string' && e.name !== '') return e.name;
  return '_OTHER';
}
