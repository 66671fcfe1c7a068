/** One series of an instant query: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Runs an instant PromQL query; throws on a transport or query error. */
export async function promQuery(prometheusUrl: string, query: string, timeoutMs = 10_000): Promise<Sample[]> {
  const u = new URL('/api/v1/query', prometheusUrl);
  u.searchParams.set('query', query);
  const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`prometheus: ${body.error ?? res.status} for ${query}`);
  if (body.data?.resultType !== 'vector') return [];
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** Runs an InfluxQL query; returns the rows of the first series set of the first statement. */
export async function influxQuery(
  influxUrl: string,
  database: string,
  q: string,
  timeoutMs = 10_000,
): Promise<{ columns: string[]; values: unknown[][] }[]> {
  const u = new URL('/query', influxUrl);
  u.searchParams.set('db', database);
  u.searchParams.set('q', q);
  const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as {
    error?: string;
    results?: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[];
  };
  const err = body.error ?? body.results?.[0]?.error;
  if (err) throw new Error(`influxdb: ${err} for ${q}`);
  return body.results?.[0]?.series ?? [];
}

/** One series of a range query: its labels and [unix seconds, value] points. */
export interface RangeSeries {
  labels: Record<string, string>;
  points: [number, number][];
}

/** Runs a range PromQL query (start/end in unix seconds); throws on a transport or query error. */
export async function promQueryRange(
  prometheusUrl: string,
  query: string,
  start: number,
  end: number,
  stepSec: number,
  timeoutMs = 10_000,
): Promise<RangeSeries[]> {
  const u = new URL('/api/v1/query_range', prometheusUrl);
  u.searchParams.set('query', query);
  u.searchParams.set('start', String(start));
  u.searchParams.set('end', String(end));
  u.searchParams.set('step', `${stepSec}s`);
  const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  if (body.status !== 'success') throw new Error(`prometheus: ${body.error ?? res.status} for ${query}`);
  if (body.data?.resultType !== 'matrix') return [];
  return body.data.result.map((r) => ({
    labels: r.metric,
    points: r.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
  }));
}

/** The link that opens a query in Prometheus' own UI (graph tab, last hour). */
export function prometheusGraphUrl(prometheusUrl: string, query: string): string {
  const u = new URL('/graph', prometheusUrl);
  u.searchParams.set('g0.expr', query);
  u.searchParams.set('g0.tab', '0');
  u.searchParams.set('g0.range_input', '1h');
  return u.toString();
}
