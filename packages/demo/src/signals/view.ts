import type { Endpoints } from '@foursignals/stack';
import { promQuery, type Sample } from './query.ts';
import { type Format, promqlNow, SIGNALS, type SignalRow } from './table.ts';

/** A row of the view with its current value(s); `samples` empty = missing (never shown as zero). */
export interface SignalValue {
  id: string;
  system: string;
  method: string;
  signal: string;
  format: Format;
  missing: boolean;
  /** The single value, when the query returns one series. */
  value?: number;
  /** One entry per series when the row is broken down by labels. */
  series: { labels: Record<string, string>; value: number }[];
  error?: string;
}

export async function readSignals(prometheusUrl: string, rows: SignalRow[] = SIGNALS): Promise<SignalValue[]> {
  return Promise.all(
    rows.map(async (row): Promise<SignalValue> => {
      const base = { id: row.id, system: row.system, method: row.method, signal: row.signal, format: row.format };
      try {
        const samples = (await promQuery(prometheusUrl, promqlNow(row.promql))).filter((s) => Number.isFinite(s.value));
        const series = samples.map((s: Sample) => ({ labels: pick(s.labels, row.by ?? []), value: s.value }));
        series.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
        return {
          ...base,
          missing: series.length === 0,
          ...(series.length === 1 && !row.by ? { value: series[0]!.value } : {}),
          series,
        };
      } catch (err) {
        return { ...base, missing: true, series: [], error: (err as Error).message };
      }
    }),
  );
}

function pick(labels: Record<string, string>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = labels[k] ?? '';
  return out;
}

export function formatValue(v: number, f: Format): string {
  switch (f) {
    case 'rps':
      return `${v.toFixed(v < 10 ? 2 : 1)}/s`;
    case 'percent':
      return `${v.toFixed(1)} %`;
    case 'seconds':
      return v < 1 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(2)} s`;
    case 'bytes': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let x = v;
      let i = 0;
      while (x >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
      }
      return `${x.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
    }
    case 'count':
      return Number.isInteger(v) ? String(v) : v.toFixed(1);
    case 'total':
      return Math.round(v).toLocaleString('en');
    case 'per_min':
      return `${v.toFixed(1)}/min`;
    case 'eur':
      return `€${Math.round(v).toLocaleString('en')}`;
  }
}

/** A series' name from its `by` labels ('all' when it has none). */
export function seriesName(labels: Record<string, string>): string {
  return (
    Object.values(labels)
      .filter((x) => x !== '')
      .join(' ') || 'all'
  );
}

/** A row's value(s) as the table shows them: `missing`, one value, or one value per series. */
export function formatCell(v: SignalValue): string {
  if (v.missing) return v.error ? 'missing (query failed)' : 'missing';
  if (v.value !== undefined) return formatValue(v.value, v.format);
  return v.series.map((s) => `${seriesName(s.labels)} ${formatValue(s.value, v.format)}`).join(', ');
}

/** The table as text (no colours when `color` is false). */
export function renderTable(values: SignalValue[], e: Endpoints, color = false): string {
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const w1 = Math.max(...values.map((v) => v.system.length));
  const w2 = Math.max(...values.map((v) => v.signal.length));
  let last = '';
  for (const v of values) {
    const sys = v.system === last ? '' : v.system;
    if (sys && last) lines.push('');
    last = v.system;
    const val = formatCell(v);
    lines.push(
      `${bold(sys.padEnd(w1))}  ${dim((sys ? v.method : '').padEnd(14))}  ${v.signal.padEnd(w2)}  ${v.missing ? red(val) : val}`,
    );
  }
  lines.push('');
  lines.push(dim(`Prometheus ${e.prometheus_url}   Alertmanager ${e.alertmanager_url}   InfluxDB ${e.influxdb_url}`));
  return lines.join('\n');
}

/** `npm run signals`: prints the table once; returns false when Prometheus could not be queried at all. */
export async function printSignals(e: Endpoints, json: boolean): Promise<boolean> {
  const values = await readSignals(e.prometheus_url);
  if (json)
    console.log(
      JSON.stringify({ at: new Date().toISOString(), prometheus_url: e.prometheus_url, signals: values }, null, 1),
    );
  else console.log(renderTable(values, e, process.stdout.isTTY));
  return !values.every((v) => v.error);
}

/** The live view: redraws every `intervalSec` until Ctrl-C (resolves then); `pageUrl` is named in its header. */
export async function watchSignals(e: Endpoints, intervalSec = 5, pageUrl?: string): Promise<void> {
  let stop = false;
  const onSig = () => {
    stop = true;
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    while (!stop) {
      const values = await readSignals(e.prometheus_url);
      const head = `foursignals — the seed's signals, live from Prometheus (every ${intervalSec} s; Ctrl-C stops)  ${new Date().toISOString()}`;
      const page = pageUrl ? `the same as a web page: ${pageUrl}\n` : '';
      process.stdout.write(`\x1b[2J\x1b[H${head}\n${page}\n${renderTable(values, e, process.stdout.isTTY)}\n`);
      for (let i = 0; i < intervalSec * 10 && !stop; i++) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}
