import { stackEndpoints } from './stack.ts';

export interface InfluxSeries {
  columns: string[];
  values: unknown[][];
}

/** An InfluxQL query against the local stack's InfluxDB (epoch ms timestamps); the first statement's series. */
export async function influxQuery(
  q: string,
  { url = stackEndpoints().influxdb_url, database = stackEndpoints().influxdb_database } = {},
): Promise<InfluxSeries[]> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db: database, q, epoch: 'ms' })}`, {
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] };
  const error = body.error ?? body.results?.[0]?.error;
  if (error) throw new Error(`InfluxDB query ${q} failed: ${error}`);
  return body.results?.[0]?.series ?? [];
}
