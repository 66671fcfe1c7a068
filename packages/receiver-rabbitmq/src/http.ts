// The two HTTP sources: the rabbitmq_prometheus plugin (cheap per-queue numbers and the global counters) and the
// management API (only for discovering dead-letter exchanges and their bindings, every `discovery_interval`).
import { get as httpGetRaw } from 'node:http';
import { get as httpsGet } from 'node:https';

export class HttpError extends Error {
  readonly status: number;
  constructor(url: string, status: number, body: string) {
    super(`GET ${url}: HTTP ${status} ${body.slice(0, 200)}`);
    this.status = status;
  }
}

/**
 * GET with basic auth over node:http(s), uncompressed (gzip would cost the broker CPU for nothing on a LAN and us
 * the inflate buffers). The URL in errors never carries credentials.
 */
export function httpGet(url: string, auth: string | undefined, signal?: AbortSignal): Promise<string> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? httpsGet : httpGetRaw;
  return new Promise((resolve, reject) => {
    const req = get(u, { headers: auth ? { authorization: auth } : {}, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body);
        else reject(new HttpError(`${u.origin}${u.pathname}`, status, body));
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${u.origin}${u.pathname}: timed out`)));
  });
}

/**
 * GET a text endpoint and hand its body to `onChunk` as it streams in: no buffer or string of the whole response
 * (4.3 MiB of Prometheus text at 10,000 queues) is ever built.
 */
export function httpStream(
  url: string,
  signal: AbortSignal | undefined,
  onChunk: (chunk: string) => void,
): Promise<void> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? httpsGet : httpGetRaw;
  return new Promise((resolve, reject) => {
    const req = get(u, { signal }, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      res.setEncoding('utf8');
      let errorBody = '';
      res.on('data', (chunk: string) => {
        if (ok) onChunk(chunk);
        else if (errorBody.length < 1000) errorBody += chunk;
      });
      res.on('error', reject);
      res.on('end', () => (ok ? resolve() : reject(new HttpError(`${u.origin}${u.pathname}`, status, errorBody))));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${u.origin}${u.pathname}: timed out`)));
  });
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
