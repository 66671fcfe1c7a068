// The two HTTP sources: the rabbitmq_prometheus plugin (cheap per-queue numbers and the global counters) and the
// management API (only for discovering dead-letter exchanges and their bindings, every `discoveryInterval`).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescapeLabel(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : s;
}

/**
 * Parses the Prometheus text exposition format, keeping only samples whose name passes `want`.
 * Label values may hold any character (queue names do), so labels are scanned, not split.
 */
export function parsePrometheusText(text: string, want: (name: string) => boolean): Sample[] {
  const out: Sample[] = [];
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
        const labels: Record<string, string> = {};
        let i = nameEnd;
        if (text.charCodeAt(i) === 123 /* { */) {
          i++;
          while (text.charCodeAt(i) !== 125 /* } */) {
            const eq = text.indexOf('=', i);
            const key = text.slice(i, eq);
            let j = eq + 2; // skip ="
            let raw = '';
            const start = j;
            for (;;) {
              const c = text.charCodeAt(j);
              if (c === 92 /* \ */) {
                j += 2;
              } else if (c === 34 /* " */) {
                raw = text.slice(start, j);
                break;
              } else {
                j++;
              }
            }
            labels[key] = unescapeLabel(raw);
            i = j + 1;
            if (text.charCodeAt(i) === 44 /* , */) i++;
          }
          i++;
        }
        const valueText = text.slice(i, end).trim().split(' ')[0] ?? '';
        out.push({ name, labels, value: Number(valueText) });
      }
    }
    pos = end + 1;
  }
  return out;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(url: string, status: number, body: string) {
    super(`GET ${url}: HTTP ${status} ${body.slice(0, 200)}`);
    this.status = status;
  }
}

/** GET with basic auth; the URL in errors never carries credentials. */
export async function httpGet(url: string, auth: string | undefined, signal?: AbortSignal): Promise<string> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  const res = await fetch(url, { headers, signal });
  const body = await res.text();
  if (!res.ok) throw new HttpError(url, res.status, body);
  return body;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
