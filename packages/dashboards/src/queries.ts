// Every query of every panel, with the dashboard variables expanded the way Grafana would for "All", so tests can
// run them against Prometheus and InfluxDB.
import type { Dashboard } from './dashboards/lib.ts';
import { expandInfluxQL } from './influxql.ts';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  datasource: 'prometheus' | 'influxdb';
  /** The query as stored in the dashboard. */
  raw: string;
  /** The query with variables and Grafana macros expanded. */
  query: string;
}

/** Values for Grafana's built-in macros and our variables when a panel query is run outside Grafana. */
export interface ExpandOptions {
  /** `$__rate_interval` and `$__interval`. @default '1m' */
  interval?: string;
  /** InfluxQL `$timeFilter`. @default 'time > now() - 1h' */
  timeFilter?: string;
  /** Values of custom variables (business dashboard: granularity, season, ahead). */
  custom?: Record<string, string>;
}

const DEFAULT_CUSTOM: Record<string, string> = { granularity: '1m', season: '0', ahead: '10' };

export function expandPromQL(expr: string, o: ExpandOptions = {}): string {
  const interval = o.interval ?? '1m';
  return expr
    .replaceAll('$__rate_interval', interval)
    .replaceAll('$__interval', interval)
    .replaceAll('$__range', '1h')
    .replace(/\$(\w+)/g, '.*');
}

interface RawPanel {
  title?: string;
  type?: string;
  targets?: { refId?: string; expr?: string; query?: string; datasource?: { type?: string } }[];
}

export function panelQueries(d: Dashboard, o: ExpandOptions = {}): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const p of (d.panels ?? []) as RawPanel[]) {
    for (const t of p.targets ?? []) {
      const base = { dashboard: d.uid, panel: p.title ?? '', refId: t.refId ?? '' };
      if (t.datasource?.type === 'prometheus' && t.expr !== undefined) {
        out.push({ ...base, datasource: 'prometheus', raw: t.expr, query: expandPromQL(t.expr, o) });
      } else if (t.datasource?.type === 'influxdb' && t.query !== undefined) {
        const vars = {
          ...DEFAULT_CUSTOM,
          ...o.custom,
          timeFilter: o.timeFilter ?? 'time > now() - 1h',
          __interval: o.interval ?? '1m',
        };
        out.push({ ...base, datasource: 'influxdb', raw: t.query, query: expandInfluxQL(t.query, vars) });
      } else {
        throw new Error(`${d.uid} / ${p.title}: a target without a known data source or query`);
      }
    }
  }
  return out;
}
