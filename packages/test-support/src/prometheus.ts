import { setTimeout as sleep } from 'node:timers/promises';
import { stackEndpoints } from './stack.ts';

/** One series of an instant query. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** One series of a range selector (`up{job="x"}[30m]`), every sample's value. */
export interface PromSeries {
  metric: Record<string, string>;
  values: number[];
}

interface QueryBody<R> {
  status: string;
  error?: string;
  data?: { resultType: string; result: R[] };
}

async function query<R>(expr: string, prometheusUrl: string): Promise<R[]> {
  const url = `${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as QueryBody<R>;
  if (body.status !== 'success') throw new Error(`Prometheus query ${expr} failed: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
}

/** An instant PromQL query against the local stack's Prometheus (or `prometheusUrl`). */
export async function promQuery(expr: string, prometheusUrl = stackEndpoints().prometheus_url): Promise<PromSample[]> {
  const result = await query<{ metric: Record<string, string>; value: [number, string] }>(expr, prometheusUrl);
  return result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** The value of a query that matches at most one series (undefined when none does; throws when several do). */
export async function promValue(expr: string, prometheusUrl?: string): Promise<number | undefined> {
  const result = await promQuery(expr, prometheusUrl);
  if (result.length > 1) throw new Error(`${expr} matched ${result.length} series`);
  return result[0]?.value;
}

/** Every sample of a range selector, per series. */
export async function promRange(
  selector: string,
  prometheusUrl = stackEndpoints().prometheus_url,
): Promise<PromSeries[]> {
  const result = await query<{ metric: Record<string, string>; values: [number, string][] }>(selector, prometheusUrl);
  return result.map((r) => ({ metric: r.metric, values: r.values.map((v) => Number(v[1])) }));
}

/**
 * Polls an instant query until `ok` accepts its result, for up to `timeoutMs`; returns the last result either way,
 * so the caller's assertion says what was wrong. Errors (Prometheus restarting on a shared stack) are retried; the
 * last one is thrown when no query ever succeeded.
 */
export async function waitForQuery(
  expr: string,
  ok: (samples: PromSample[]) => boolean,
  { timeoutMs = 45_000, prometheusUrl }: { timeoutMs?: number; prometheusUrl?: string } = {},
): Promise<PromSample[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PromSample[] | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await promQuery(expr, prometheusUrl);
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await sleep(1000);
  }
  if (last === undefined) throw lastError;
  return last;
}
