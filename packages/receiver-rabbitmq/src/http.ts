// The two HTTP sources: the rabbitmq_prometheus plugin (cheap per-queue numbers and the global counters) and the
// management API (only for discovering dead-letter exchanges and their bindings, every `discovery_interval`).
import { get as httpGetRaw } from 'node:http';
import { get as httpsGet } from 'node:https';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescapeLabel(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : s;
}

/**
 * Scans the Prometheus text exposition format and calls `onSample` for every sample whose name passes `want`,
 * without building an array (a 10,000-queue scrape is 40,000 samples). Label values may hold any character
 * (queue names do), so labels are scanned, not split. The `labels` object is reused from sample to sample:
 * copy what you keep.
 */
export function scanPrometheusText(
  text: string,
  want: (name: string) => boolean,
  onSample: (name: string, labels: Record<string, string>, value: number) => void,
): void {
  const labels: Record<string, string> = {};
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    if (text.charCodeAt(pos) !== 35 /* # */ && end > pos) {
      const brace = text.indexOf('{', pos);
      const space = text.indexOf(' ', pos);
      const nameEnd = brace !== -1 && brace < end && (space === -1 || brace < space) ? brace : space;
      const name = text.slice(pos, nameEnd);
      if (want(name)) {
        for (const k in labels) delete labels[k];
        let i = nameEnd;
        if (text.charCodeAt(i) === 123 /* { */) {
          i++;
          while (text.charCodeAt(i) !== 125 /* } */) {
            const eq = text.indexOf('=', i);
            const key = text.slice(i, eq);
            let j = eq + 2; // skip ="
            const start = j;
            for (;;) {
              const c = text.charCodeAt(j);
              if (c === 92 /* \ */) j += 2;
              else if (c === 34 /* " */) break;
              else j++;
            }
            labels[key] = unescapeLabel(text.slice(start, j));
            i = j + 1;
            if (text.charCodeAt(i) === 44 /* , */) i++;
          }
          i++;
        }
        const valueText = text.slice(i, end).trim();
        const sp = valueText.indexOf(' ');
        onSample(name, labels, Number(sp === -1 ? valueText : valueText.slice(0, sp)));
      }
    }
    pos = end + 1;
  }
}

/** Like scanPrometheusText, collecting the samples (small responses, tests). */
export function parsePrometheusText(text: string, want: (name: string) => boolean): Sample[] {
  const out: Sample[] = [];
  scanPrometheusText(text, want, (name, labels, value) => out.push({ name, labels: { ...labels }, value }));
  return out;
}

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
 * GET a Prometheus text endpoint and scan it as it streams in, line by line: no buffer or string of the whole
 * response (4.3 MiB at 10,000 queues) is ever built.
 */
export function httpScan(
  url: string,
  signal: AbortSignal | undefined,
  want: (name: string) => boolean,
  onSample: (name: string, labels: Record<string, string>, value: number) => void,
): Promise<void> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? httpsGet : httpGetRaw;
  return new Promise((resolve, reject) => {
    const req = get(u, { signal }, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      res.setEncoding('utf8');
      let carry = '';
      res.on('data', (chunk: string) => {
        if (!ok) {
          if (carry.length < 1000) carry += chunk;
          return;
        }
        const text = carry + chunk;
        const last = text.lastIndexOf('\n');
        if (last === -1) {
          carry = text;
          return;
        }
        scanPrometheusText(text.slice(0, last + 1), want, onSample);
        carry = text.slice(last + 1);
      });
      res.on('error', reject);
      res.on('end', () => {
        if (!ok) return reject(new HttpError(`${u.origin}${u.pathname}`, status, carry));
        if (carry) scanPrometheusText(carry, want, onSample);
        resolve();
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${u.origin}${u.pathname}: timed out`)));
  });
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
