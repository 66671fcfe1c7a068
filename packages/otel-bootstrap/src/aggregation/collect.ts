// Collection: turns the pre-aggregated tables and the runtime readings into plain metric records (no SDK types),
// which sdk.ts hands to the OpenTelemetry SDK and otlp.ts encodes itself.

import type { MetricDef } from '../metrics.ts';
import { METRICS } from '../metrics.ts';
import type { State } from '../state.ts';
import type { Cell, KeyedCounter } from './histogram.ts';

export type AttrValue = string | number | boolean;
export type Attrs = Record<string, AttrValue>;

export interface HistogramPoint {
  attributes: Attrs;
  count: number;
  sum: number;
  min: number;
  max: number;
  bounds: readonly number[];
  counts: number[];
}

export interface NumberPoint {
  attributes: Attrs;
  value: number;
}

export type Metric =
  | { def: MetricDef; type: 'histogram'; points: HistogramPoint[]; delta?: boolean }
  | { def: MetricDef; type: 'sum'; monotonic: boolean; points: NumberPoint[]; delta?: boolean }
  | { def: MetricDef; type: 'gauge'; points: NumberPoint[] };

export interface Collection {
  /** Epoch ms: start of every cumulative series. */
  startMs: number;
  /** Epoch ms: time of the collection. */
  endMs: number;
  metrics: Metric[];
}

function histogram(def: MetricDef, bounds: readonly number[], cells: Iterable<Cell>): Metric | undefined {
  const points: HistogramPoint[] = [];
  for (const c of cells) {
    if (c.count === 0) continue;
    points.push({
      attributes: c.attributes,
      count: c.count,
      sum: c.sum,
      min: c.min,
      max: c.max,
      bounds,
      counts: Array.from(c.counts),
    });
  }
  return points.length === 0 ? undefined : { def, type: 'histogram', points };
}

function sum(def: MetricDef, monotonic: boolean, points: NumberPoint[]): Metric | undefined {
  return points.length === 0 ? undefined : { def, type: 'sum', monotonic, points };
}

function gauge(def: MetricDef, points: NumberPoint[]): Metric | undefined {
  return points.length === 0 ? undefined : { def, type: 'gauge', points };
}

function counterPoints(c: KeyedCounter): NumberPoint[] {
  return [...c.values.values()].map((v) => ({ attributes: v.attributes, value: v.value }));
}

export async function collect(state: State): Promise<Collection> {
  const endMs = Date.now();
  const out: (Metric | undefined)[] = [];
  const { http, libs, runtime, dau } = state;
  out.push(histogram(METRICS.httpServerDuration, http.bounds, http.cells()));
  out.push(histogram(METRICS.httpClientDuration, state.httpClient.table.bounds, state.httpClient.table.all()));
  out.push(histogram(METRICS.s3ClientDuration, libs.s3.bounds, libs.s3.all()));
  out.push(histogram(METRICS.dbClientDuration, libs.db.bounds, libs.db.all()));
  out.push(sum(METRICS.messagingSent, true, counterPoints(libs.sent)));
  out.push(sum(METRICS.messagingConsumed, true, counterPoints(libs.consumed)));
  const overflow: NumberPoint[] = [];
  if (http.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.httpServerDuration.name }, value: http.overflowCount });
  const client = state.httpClient.table;
  if (client.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.httpClientDuration.name }, value: client.overflowCount });
  if (libs.s3.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.s3ClientDuration.name }, value: libs.s3.overflowCount });
  if (libs.db.overflowCount > 0)
    overflow.push({ attributes: { 'metric.name': METRICS.dbClientDuration.name }, value: libs.db.overflowCount });
  out.push(sum(METRICS.seriesDropped, true, overflow));
  if (runtime !== undefined) {
    const r = runtime.read();
    out.push(
      gauge(METRICS.cpuUtilization, [
        { attributes: { 'cpu.mode': 'user' }, value: r.cpuUser },
        { attributes: { 'cpu.mode': 'system' }, value: r.cpuSystem },
      ]),
    );
    out.push(
      sum(METRICS.cpuTime, true, [
        { attributes: { 'cpu.mode': 'user' }, value: r.cpuTimeUser },
        { attributes: { 'cpu.mode': 'system' }, value: r.cpuTimeSystem },
      ]),
    );
    out.push(sum(METRICS.memoryUsage, false, [{ attributes: {}, value: r.rss }]));
    out.push(
      sum(
        METRICS.heapUsed,
        false,
        r.heap.map((h) => ({ attributes: { 'v8js.heap.space.name': h.space }, value: h.used })),
      ),
    );
    out.push(
      sum(
        METRICS.heapLimit,
        false,
        r.heap.map((h) => ({ attributes: { 'v8js.heap.space.name': h.space }, value: h.size })),
      ),
    );
    out.push(gauge(METRICS.eventLoopUtilization, [{ attributes: {}, value: r.elu }]));
    out.push(gauge(METRICS.eventLoopDelayP99, [{ attributes: {}, value: r.delayP99 }]));
    out.push(gauge(METRICS.eventLoopDelayMax, [{ attributes: {}, value: r.delayMax }]));
    out.push(gauge(METRICS.eventLoopDelayMean, [{ attributes: {}, value: r.delayMean }]));
  }
  if (dau !== undefined && dau.source.kind !== 'none') {
    const c = await dau.counts();
    out.push(
      gauge(METRICS.usersActive, [
        { attributes: { 'app.users.window': 'day' }, value: c.day },
        { attributes: { 'app.users.window': 'week' }, value: c.week },
        { attributes: { 'app.users.window': 'month' }, value: c.month },
      ]),
    );
  }
  return { startMs: state.startTime, endMs, metrics: out.filter((m): m is Metric => m !== undefined) };
}

/**
 * Delta temporality (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta or lowmemory) for a push exporter: the
 * tables stay cumulative (cheap on the hot path); each collection is turned into the change since the previous one
 * for counters and histograms (up-down counters and gauges stay as they are, as the specification's preferences
 * say). The series are told apart by metric name and attributes; only collection time pays for it.
 */
export class DeltaTracker {
  private last = new Map<string, number[]>();
  private lastEndMs: number | undefined;

  apply(c: Collection): Collection {
    const next = new Map<string, number[]>();
    const metrics = c.metrics.map((m): Metric => {
      if (m.type === 'histogram') {
        const points = m.points.map((p) => {
          const key = `${m.def.name}\0${JSON.stringify(p.attributes)}`;
          const cur = [p.count, p.sum, ...p.counts];
          next.set(key, cur);
          const prev = this.last.get(key);
          if (prev === undefined) return p;
          // min and max cannot be made delta: they are left out (NaN is not encoded) unless nothing came before.
          return {
            ...p,
            count: p.count - prev[0]!,
            sum: p.sum - prev[1]!,
            counts: p.counts.map((n, i) => n - prev[i + 2]!),
            min: Number.NaN,
            max: Number.NaN,
          };
        });
        return { ...m, points, delta: true };
      }
      if (m.type === 'sum' && m.monotonic) {
        const points = m.points.map((p) => {
          const key = `${m.def.name}\0${JSON.stringify(p.attributes)}`;
          next.set(key, [p.value]);
          const prev = this.last.get(key);
          return prev === undefined ? p : { ...p, value: p.value - prev[0]! };
        });
        return { ...m, points, delta: true };
      }
      return m;
    });
    const startMs = this.lastEndMs ?? c.startMs;
    this.last = next;
    this.lastEndMs = c.endMs;
    return { ...c, startMs, metrics };
  }
}
