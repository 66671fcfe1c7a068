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
