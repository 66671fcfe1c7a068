// The HTTP server hot path. Node publishes `http.server.request.start` and `http.server.response.finish` on
// diagnostics_channel for every request of every http/https server; we time between the two and fold the result
// into a nested map (method -> route -> status -> cell). No spans, no context, no attribute objects per request:
// attributes are built once per series and data points only at collection time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Cell, inner, record } from '../aggregation/histogram.ts';
import { HTTP_DURATION_BUCKETS } from '../metrics.ts';

const dc = process.getBuiltinModule('node:diagnostics_channel');

/** Where framework hooks leave the route template on the Node request object. */
export const ROUTE = Symbol.for('foursignals.otel-bootstrap.route');
/** A response's start time, on the response itself: only for a request pipelined behind one still in flight. */
const START = Symbol('foursignals.otel-bootstrap.start');
/** The connection's response being timed (null: none; absent: a connection not seen yet) and its start time. */
const TIMED = Symbol('foursignals.otel-bootstrap.timed');
const TIMED_START = Symbol('foursignals.otel-bootstrap.timed-start');

type Req = IncomingMessage & { [ROUTE]?: string };
type Res = ServerResponse & { [START]?: number };
/** `_httpMessage`: the response Node is writing on this connection (the one a closing connection cuts short). */
type Sock = Socket & { [TIMED]?: Res | null; [TIMED_START]?: number; _httpMessage?: Res | null };

/**
 * Takes the start time of a response off its connection (or, for a pipelined one, off the response). Why on the
 * connection: adding a property to every new response object was the costliest part of the hot path (V8 grew its
 * property store in its runtime: ~9,000 instructions a request, bench/bootstrap/instructions.sh); a keep-alive
 * connection carries many requests, and storing into a property it already has costs nothing.
 */
function takeStart(socket: Sock | null, response: Res): number | undefined {
  if (socket !== null && socket[TIMED] === response) {
    socket[TIMED] = null;
    return socket[TIMED_START];
  }
  const t0 = response[START];
  if (t0 !== undefined) response[START] = undefined;
  return t0;
}

export const KNOWN_METHODS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  GET: 'GET',
  HEAD: 'HEAD',
  POST: 'POST',
  PUT: 'PUT',
  DELETE: 'DELETE',
  CONNECT: 'CONNECT',
  OPTIONS: 'OPTIONS',
  TRACE: 'TRACE',
  PATCH: 'PATCH',
  QUERY: 'QUERY',
});

/** Called after the measurement with the request, the response and the status; used by DAU. */
export type FinishListener = (req: IncomingMessage, status: number) => void;

/** The one instance (per process); the shared close listener reaches it here. */
let currentMetrics: HttpServerMetrics | undefined;

/**
 * A connection closed (shared function, no closure per connection: `this` is the socket). The response it was
 * writing, if that response had not finished, is an aborted request. Node's own listener that emits the response's
 * 'close' (`onServerResponseClose`) runs after this one and finds the same `_httpMessage`; pipelined responses still
 * queued behind it never had a socket and get no 'close' either way.
 */
function socketCloseListener(this: Sock): void {
  const metrics = currentMetrics;
  const response = this._httpMessage;
  if (response === null || response === undefined || metrics === undefined || !metrics.enabled) return;
  const request = response.req as Req | undefined;
  if (request === undefined || response.writableFinished) return;
  const t0 = takeStart(this, response);
  if (t0 === undefined) return;
  const seconds = (performance.now() - t0) / 1000;
  const status = response.headersSent ? response.statusCode : 0;
  metrics.record(KNOWN_METHODS[request.method as string] ?? '_OTHER', request[ROUTE], status, seconds, request, true);
}

export class HttpServerMetrics {
  readonly bounds = HTTP_DURATION_BUCKETS;
  /**
   * method -> route (undefined = no route matched / not known) -> outcome -> cell, where the outcome packs the status
   * (0: none sent), whether the client went away first, the scheme and the protocol version into one number.
   */
  readonly table = new Map<string, Map<string | undefined, Map<number, Cell>>>();
  readonly maxSeries: number;
  series = 0;
  overflow: Cell | undefined;
  overflowCount = 0;
  enabled = true;
  onFinish: FinishListener | undefined;
  /** A server whose requests are not measured (our own Prometheus scrape endpoint). */
  ignoredServer: unknown;

  private readonly startListener = (msg: unknown): void => {
    const m = msg as { request: Req; response: Res; server: unknown };
    const t0 = performance.now();
    const socket = m.request.socket as Sock | null;
    if (socket === null) {
      m.response[START] = t0;
      return;
    }
    const timed = socket[TIMED];
    if (timed === undefined) {
      // First request on this connection. A client gone before the response finished publishes no finish event:
      // the connection's close tells. One listener per connection, not per request.
      socket[TIMED] = m.response;
      socket[TIMED_START] = t0;
      if (m.server !== this.ignoredServer) socket.on('close', socketCloseListener);
    } else if (timed === null || timed.writableFinished) {
      // (A finished response still here: its finish was not seen, e.g. while unsubscribed.)
      socket[TIMED] = m.response;
      socket[TIMED_START] = t0;
    } else {
      m.response[START] = t0; // pipelined behind a response still in flight
    }
  };

  private readonly finishListener = (msg: unknown): void => {
    const { request, response, server } = msg as { request: Req; response: Res; server: unknown };
    const t0 = takeStart(request.socket as Sock | null, response);
    if (t0 === undefined || !this.enabled || server === this.ignoredServer) return;
    const seconds = (performance.now() - t0) / 1000;
    const status = response.statusCode;
    this.record(KNOWN_METHODS[request.method as string] ?? '_OTHER', request[ROUTE], status, seconds, request, false);
    const l = this.onFinish;
    if (l !== undefined) {
      try {
        l(request, status);
      } catch {
        // listeners guard themselves; never let anything escape into Node's http machinery
      }
    }
  };

  constructor(maxSeries: number) {
    this.maxSeries = maxSeries;
    currentMetrics = this;
  }

  subscribe(): void {
    dc.subscribe('http.server.request.start', this.startListener);
    dc.subscribe('http.server.response.finish', this.finishListener);
  }

  unsubscribe(): void {
    dc.unsubscribe('http.server.request.start', this.startListener);
    dc.unsubscribe('http.server.response.finish', this.finishListener);
  }

  record(
    method: string,
    route: string | undefined,
    status: number,
    seconds: number,
    request: IncomingMessage | undefined = undefined,
    aborted = false,
  ): void {
    const v = request?.httpVersion;
    const version = v === '1.1' || v === undefined ? 0 : v === '1.0' ? 1 : 2;
    const https = (request?.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 4 : 0;
    const outcome = status * 16 + (aborted ? 8 : 0) + https + version;
    const byStatus = inner(inner(this.table, method), route);
    let cell = byStatus.get(outcome);
    if (cell === undefined) {
      if (this.series >= this.maxSeries) {
        this.overflowCount++;
        this.overflow ??= new Cell(this.bounds.length, { 'otel.metric.overflow': true });
        record(this.overflow, this.bounds, seconds);
        return;
      }
      const attributes: Record<string, string | number> = {
        'http.request.method': method,
        'url.scheme': https ? 'https' : 'http',
        'network.protocol.version': version === 0 ? '1.1' : version === 1 ? '1.0' : String(v),
      };
      if (status !== 0) attributes['http.response.status_code'] = status;
      if (route !== undefined) attributes['http.route'] = route;
      // A client that went away before the response finished: semantic conventions' error.type for it.
      if (aborted) attributes['error.type'] = 'aborted';
      else if (status >= 500) attributes['error.type'] = String(status);
      cell = new Cell(this.bounds.length, attributes);
      byStatus.set(outcome, cell);
      this.series++;
    }
    record(cell, this.bounds, seconds);
  }

  *cells(): Iterable<Cell> {
    for (const byRoute of this.table.values()) {
      for (const byStatus of byRoute.values()) yield* byStatus.values();
    }
    if (this.overflow) yield this.overflow;
  }
}
