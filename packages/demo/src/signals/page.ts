// The seed's table as a web page: every row with its current value, a sparkline of the last hour (uPlot), the alerts
// firing for it (Alertmanager) and a link to the PromQL behind it. Everything comes from the rows of table.ts and is
// served from this machine (uPlot from node_modules, no CDN). GET /api/signals is the page's one data source.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Endpoints } from '@foursignals/stack';
import { type Alert, alertConcerns, firingAlerts, rowAlerts } from './alerts.ts';
import { prometheusGraphUrl, promQueryRange, type RangeSeries } from './query.ts';
import { promqlNow, SIGNALS, type SignalRow, TODAY } from './table.ts';
import { formatCell, readSignals, type SignalValue, seriesName } from './view.ts';

/** The history shown as a sparkline: the last hour, one point a minute. */
const HISTORY_SEC = 3600;
const HISTORY_STEP_SEC = 60;
/** The history changes once a step; recomputing it for every poll of every open page would only load Prometheus. */
const HISTORY_TTL_MS = 30_000;

export interface PageRow extends SignalValue {
  /** The value(s) as the terminal table prints them. */
  text: string;
  promql: string;
  /** Opens the query in Prometheus' UI. */
  query_url: string;
  alerts: { name: string; severity: string; summary: string; since: string }[];
  /** Aligned for uPlot: timestamps (unix s) and one value array per series (null where the series has no point). */
  history: { t: number[]; series: { name: string; values: (number | null)[] }[] };
}

export interface PageData {
  at: string;
  prometheus_url: string;
  alertmanager_url: string;
  /** Set when Alertmanager could not be asked (the rows then show no alerts, and the page says why). */
  alerts_error?: string;
  rows: PageRow[];
}

/**
 * A "today" row over the last hour: the total now, minus what was added after each step (the increase per step,
 * summed backwards). Evaluating `$__today` at every step would need a different range per step.
 */
async function todayHistory(prometheusUrl: string, row: SignalRow, start: number, end: number): Promise<RangeSeries[]> {
  const [now] = await promQueryRange(prometheusUrl, promqlNow(row.promql, end * 1000), end, end, HISTORY_STEP_SEC);
  const total = now?.points[0]?.[1];
  const perStep = row.promql.replaceAll(TODAY, `${HISTORY_STEP_SEC}s`);
  const [steps] = await promQueryRange(prometheusUrl, perStep, start, end, HISTORY_STEP_SEC);
  if (total === undefined || !steps) return [];
  const added = new Map(steps.points);
  const points: [number, number][] = [];
  let value = total;
  for (let t = end; t >= start; t -= HISTORY_STEP_SEC) {
    points.unshift([t, Math.max(0, value)]);
    value -= added.get(t) ?? 0;
  }
  return [{ labels: {}, points }];
}

/** The sparkline data of a row: its query over the last hour, aligned on one time axis. */
async function history(prometheusUrl: string, row: SignalRow, end: number): Promise<PageRow['history']> {
  const start = end - HISTORY_SEC;
  const ranges = row.promql.includes(TODAY)
    ? await todayHistory(prometheusUrl, row, start, end)
    : await promQueryRange(prometheusUrl, row.promql, start, end, HISTORY_STEP_SEC);
  const t: number[] = [];
  for (let x = start; x <= end; x += HISTORY_STEP_SEC) t.push(x);
  const index = new Map(t.map((x, i) => [x, i]));
  const by = row.by ?? [];
  return {
    t,
    series: ranges.map((r) => {
      const values: (number | null)[] = t.map(() => null);
      for (const [x, v] of r.points) {
        const i = index.get(x);
        if (i !== undefined) values[i] = v;
      }
      return { name: seriesName(Object.fromEntries(by.map((k) => [k, r.labels[k] ?? '']))), values };
    }),
  };
}

export class SignalsPage {
  readonly #e: Endpoints;
  readonly #rows: SignalRow[];
  #history: { at: number; data: Map<string, PageRow['history']> } | undefined;

  constructor(endpoints: Endpoints, rows: SignalRow[] = SIGNALS) {
    this.#e = endpoints;
    this.#rows = rows;
  }

  async #histories(): Promise<Map<string, PageRow['history']>> {
    if (this.#history && Date.now() - this.#history.at < HISTORY_TTL_MS) return this.#history.data;
    // on the step grid, so consecutive refreshes show the same points
    const end = Math.floor(Date.now() / 1000 / HISTORY_STEP_SEC) * HISTORY_STEP_SEC;
    const entries = await Promise.all(
      this.#rows.map(async (row) => {
        const h = await history(this.#e.prometheus_url, row, end).catch(() => ({ t: [], series: [] }));
        return [row.id, h] as const;
      }),
    );
    this.#history = { at: Date.now(), data: new Map(entries) };
    return this.#history.data;
  }

  /** What GET /api/signals answers. */
  async data(): Promise<PageData> {
    const [values, histories, alerts] = await Promise.all([
      readSignals(this.#e.prometheus_url, this.#rows),
      this.#histories(),
      firingAlerts(this.#e.alertmanager_url).then(
        (a): Alert[] | Error => a,
        (err: Error) => err,
      ),
    ]);
    const byId = new Map(this.#rows.map((r) => [r.id, r]));
    const rows = values.map((v): PageRow => {
      const row = byId.get(v.id)!;
      const ra = rowAlerts(row);
      const promql = promqlNow(row.promql);
      const mine = alerts instanceof Error ? [] : alerts.filter((a) => alertConcerns(a, ra));
      return {
        ...v,
        text: formatCell(v),
        promql,
        query_url: prometheusGraphUrl(this.#e.prometheus_url, promql),
        alerts: mine.map((a) => ({
          name: a.labels.alertname ?? '',
          severity: a.labels.severity ?? '',
          summary: a.annotations.summary ?? '',
          since: a.startsAt,
        })),
        history: histories.get(v.id) ?? { t: [], series: [] },
      };
    });
    return {
      at: new Date().toISOString(),
      prometheus_url: this.#e.prometheus_url,
      alertmanager_url: this.#e.alertmanager_url,
      ...(alerts instanceof Error ? { alerts_error: alerts.message } : {}),
      rows,
    };
  }
}

/** The page's own files and uPlot's, by URL path. */
function assets(): Map<string, { file: string; type: string }> {
  // src/signals/web in the source tree; dist/signals/page.js finds it at the same relative place
  const web = join(import.meta.dirname, '..', '..', 'src', 'signals', 'web');
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'));
  return new Map([
    ['/', { file: join(web, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/page.js', { file: join(web, 'page.js'), type: 'text/javascript; charset=utf-8' }],
    ['/page.css', { file: join(web, 'page.css'), type: 'text/css; charset=utf-8' }],
    ['/vendor/uPlot.esm.js', { file: join(uplot, 'uPlot.esm.js'), type: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.min.css', { file: join(uplot, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the page on host:port (port 0 = any free port); resolves once it listens. */
export async function startSignalsPage(
  endpoints: Endpoints,
  port: number,
  host = '127.0.0.1',
  rows: SignalRow[] = SIGNALS,
): Promise<PageServer> {
  const page = new SignalsPage(endpoints, rows);
  const files = assets();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/api/signals') {
      const body = JSON.stringify(await page.data());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
      return;
    }
    const asset = files.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': asset.type }).end(readFileSync(asset.file));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${err.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
