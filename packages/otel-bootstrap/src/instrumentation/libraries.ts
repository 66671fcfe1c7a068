// Client-side instrumentation of libraries the host app calls: AWS SDK v3 S3, pg, amqplib. Each patcher receives
// the class from the library file itself (see hooks.ts) and wraps one method; measurements go into keyed
// pre-aggregated tables that are exported at collection time.
import { KeyedCounter, KeyedHistogram } from '../aggregation/histogram.ts';
import { CLIENT_DURATION_BUCKETS } from '../metrics.ts';

const PATCHED = Symbol.for('foursignals.otel-bootstrap.patched');
type AnyFn = (...args: unknown[]) => unknown;
type Attrs = Record<string, string | number | boolean>;

function markPatched(target: object): boolean {
  const t = target as { [PATCHED]?: boolean };
  if (Object.hasOwn(t, PATCHED)) return false;
  Object.defineProperty(t, PATCHED, { value: true });
  return true;
}

export class LibraryMetrics {
  readonly s3 = new KeyedHistogram(CLIENT_DURATION_BUCKETS, 1000);
  readonly db = new KeyedHistogram(CLIENT_DURATION_BUCKETS, 1000);
  readonly sent = new KeyedCounter(1000);
  readonly consumed = new KeyedCounter(1000);

  recordS3(
    operation: string,
    bucket: string | undefined,
    status: number | undefined,
    errorType: string | undefined,
    seconds: number,
  ): void {
    const key = `${operation}\0${bucket ?? ''}\0${status ?? ''}\0${errorType ?? ''}`;
    this.s3.record(
      key,
      () => {
        const a: Attrs = { 'rpc.system.name': 'aws-api', 'rpc.service': 'S3', 'rpc.method': operation };
        if (bucket !== undefined) a['aws.s3.bucket'] = bucket;
        if (status !== undefined) a['http.response.status_code'] = status;
        if (errorType !== undefined) a['error.type'] = errorType;
        return a;
      },
      seconds,
    );
  }

  /** Wraps `Client.prototype.send` of @smithy (the AWS SDK v3 client base class); acts on S3 clients only. */
  patchSmithyClient(Client: unknown): void {
    const proto = (Client as { prototype?: { send?: AnyFn } } | undefined)?.prototype;
    if (typeof proto?.send !== 'function' || !markPatched(proto)) return;
    const send = proto.send;
    const self = this;
    proto.send = function patchedSend(this: { config?: { serviceId?: unknown } }, ...args: unknown[]) {
      if (this?.config?.serviceId !== 'S3' || typeof args[1] === 'function' || typeof args[2] === 'function') {
        return send.apply(this, args);
      }
      const command = args[0] as { constructor?: { name?: string }; input?: { Bucket?: unknown } } | undefined;
      const t0 = performance.now();
      const result = send.apply(this, args) as Promise<unknown>;
      let operation = 'Unknown';
      let bucket: string | undefined;
      try {
        const name = command?.constructor?.name ?? '';
        operation = name.endsWith('Command') ? name.slice(0, -7) : name || 'Unknown';
        const b = command?.input?.Bucket;
        bucket = typeof b === 'string' ? b : undefined;
      } catch {
        // keep defaults
      }
      return result.then(
        (out) => {
          try {
            const status = (out as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
            self.recordS3(operation, bucket, status, undefined, (performance.now() - t0) / 1000);
          } catch {
            // never affect the caller
          }
          return out;
        },
        (err: unknown) => {
          try {
            const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
            const status = e?.$metadata?.httpStatusCode;
            self.recordS3(operation, bucket, status, e?.name || '_OTHER', (performance.now() - t0) / 1000);
          } catch {
            // never affect the caller
          }
          throw err;
        },
      );
    };
  }

  /** Wraps `pg`'s `Client.prototype.query` (pools use it too). */
  patchPgClient(Client: unknown): void {
    const proto = (Client as { prototype?: { query?: AnyFn } } | undefined)?.prototype;
    if (typeof proto?.query !== 'function' || !markPatched(proto)) return;
    const query = proto.query;
    const self = this;
    proto.query = function patchedQuery(
      this: { database?: string; host?: string; port?: number },
      ...args: unknown[]
    ): unknown {
      const config = args[0] as { submit?: unknown; text?: unknown; callback?: unknown } | string | undefined;
      if (config === null || config === undefined) return query.apply(this, args);
      if (
        typeof config === 'object' &&
        (typeof config.submit === 'function' || typeof config.callback === 'function')
      ) {
        return query.apply(this, args);
      }
      const t0 = performance.now();
      const text = typeof config === 'string' ? config : config.text;
      const done = (err: unknown) => {
        try {
          self.recordDb(this, text, err, (performance.now() - t0) / 1000);
        } catch {
          // ignore
        }
      };
      const last = args.length - 1;
      const cb = args[last];
      if (last > 0 && typeof cb === 'function') {
        args[last] = function (this: unknown, err: unknown, ...rest: unknown[]) {
          done(err);
          return (cb as AnyFn).call(this, err, ...rest);
        };
        return query.apply(this, args);
      }
      const result = query.apply(this, args) as Promise<unknown> | undefined;
      if (result && typeof result.then === 'function') {
        result.then(
          () => done(undefined),
          (err: unknown) => done(err ?? new Error('query failed')),
        );
      }
      return result;
    };
  }

  recordDb(
    client: { database?: string; host?: string; port?: number },
    text: unknown,
    err: unknown,
    seconds: number,
  ): void {
    const operation = operationName(text);
    const e = err as { code?: unknown; name?: string } | undefined;
    const errorType =
      err === undefined || err === null ? undefined : typeof e?.code === 'string' ? e.code : e?.name || '_OTHER';
    const database = client.database;
    const host = client.host;
    const port = client.port;
    const key = `${database}\0${host}\0${port}\0${operation}\0${errorType ?? ''}`;
    this.db.record(
      key,
      () => {
        const a: Attrs = { 'db.system.name': 'postgresql' };
        if (typeof database === 'string') a['db.namespace'] = database;
        if (operation !== undefined) a['db.operation.name'] = operation;
        if (typeof host === 'string') a['server.address'] = host;
        if (typeof port === 'number') a['server.port'] = port;
        if (errorType !== undefined) a['error.type'] = errorType;
        return a;
      },
      seconds,
    );
  }

  /** amqplib `lib/channel.js`: counts basic.publish frames and deliveries to consumers. */
  patchAmqpChannel(exports: unknown): void {
    const mod = exports as {
      Channel?: { prototype?: Record<string, AnyFn> };
      BaseChannel?: { prototype?: Record<string, AnyFn> };
    };
    const self = this;
    const ch = mod?.Channel?.prototype;
    if (ch && typeof ch.sendMessage === 'function' && markPatched(ch)) {
      const sendMessage = ch.sendMessage;
      ch.sendMessage = function patchedSendMessage(this: unknown, ...args: unknown[]) {
        const fields = args[0] as { exchange?: string; routingKey?: string } | undefined;
        const destination = fields?.exchange || fields?.routingKey || '';
        try {
          const r = sendMessage.apply(this, args);
          self.countMessage(self.sent, 'publish', destination, undefined);
          return r;
        } catch (err) {
          self.countMessage(self.sent, 'publish', destination, (err as Error)?.name || '_OTHER');
          throw err;
        }
      };
    }
    const base = mod?.BaseChannel?.prototype;
    if (base && typeof base.dispatchMessage === 'function' && markPatched(base)) {
      const dispatch = base.dispatchMessage;
      base.dispatchMessage = function patchedDispatch(this: unknown, ...args: unknown[]) {
        if (args[1] !== null && args[1] !== undefined) {
          const fields = args[0] as { exchange?: string; routingKey?: string } | undefined;
          self.countMessage(self.consumed, 'process', fields?.exchange || fields?.routingKey || '', undefined);
        }
        return dispatch.apply(this, args);
      };
    }
  }

  private countMessage(counter: KeyedCounter, op: string, destination: string, errorType: string | undefined): void {
    try {
      counter.add(`${destination}\0${errorType ?? ''}`, () => {
        const a: Attrs = {
          'messaging.system': 'rabbitmq',
          'messaging.operation.name': op,
          'messaging.destination.name': destination,
        };
        if (errorType !== undefined) a['error.type'] = errorType;
        return a;
      });
    } catch {
      // ignore
    }
  }
}

const SQL_OPERATIONS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'WITH',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'COPY',
  'SET',
  'SHOW',
  'CALL',
  'LISTEN',
  'NOTIFY',
  'VACUUM',
  'ANALYZE',
  'EXPLAIN',
  'PREPARE',
  'EXECUTE',
  'DO',
  'GRANT',
  'REVOKE',
  'LOCK',
  'SAVEPOINT',
  'RELEASE',
]);

/** The first SQL keyword, upper-cased, from a bounded set (anything else is left out: no cardinality leak). */
export function operationName(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(text);
  const op = m?.[1]?.toUpperCase();
  return op !== undefined && SQL_OPERATIONS.has(op) ? op : undefined;
}
