// The forecasts' error on past data (a backtest): forecast the last `holdout` intervals of a business counter with
// InfluxDB's Holt-Winters from the history before them, compare with what happened, and write the error to
// InfluxDB (measurement FORECAST_MEASUREMENT) where the business dashboard shows it next to the forecast.
import { expandInfluxQL, increaseQuery } from './influxql.ts';
import { SOURCES } from './metrics.ts';

export const FORECAST_MEASUREMENT = 'foursignals.forecast.backtest';

/** The forecasts on the business dashboard. */
export const FORECASTS = [
  { title: 'revenue', measurement: SOURCES.business.shopRevenue.name },
  { title: 'production load', measurement: SOURCES.business.mesOrdersCalculated.name },
] as const;

export interface BacktestOptions {
  /** InfluxDB base URL (v1 API). */
  url: string;
  database: string;
  /** GROUP BY time interval. @default '1m' */
  granularity?: string;
  /** Seasonal period in intervals (0 = Holt's linear trend). @default 0 */
  season?: number;
  /** Intervals held out and forecast. @default 10 */
  holdout?: number;
  /** History used, as an InfluxQL duration. @default '6h' */
  lookback?: string;
}

export interface BacktestResult {
  measurement: string;
  /** Mean absolute percentage error over the held-out intervals with a non-zero actual value. */
  mape: number;
  /** Mean absolute error, in the counter's unit per interval. */
  mae: number;
  points: number;
}

type Point = [number, number];

async function query(url: string, database: string, q: string): Promise<Point[]> {
  const u = new URL('/query', url);
  u.searchParams.set('db', database);
  u.searchParams.set('q', q);
  u.searchParams.set('epoch', 'ms');
  const res = await fetch(u);
  const body = (await res.json()) as {
    results?: { error?: string; series?: { values: [number, number | null][] }[] }[];
    error?: string;
  };
  const err = body.error ?? body.results?.[0]?.error;
  if (!res.ok || err) throw new Error(`InfluxDB query failed (${res.status}): ${err ?? ''}: ${q}`);
  const values = body.results?.[0]?.series?.[0]?.values ?? [];
  return values.filter((v): v is Point => typeof v[1] === 'number');
}

export async function backtest(measurement: string, o: BacktestOptions): Promise<BacktestResult> {
  const granularity = o.granularity ?? '1m';
  const holdout = o.holdout ?? 10;
  const season = o.season ?? 0;
  const lookback = o.lookback ?? '6h';
  const actual = await query(
    o.url,
    o.database,
    expandInfluxQL(increaseQuery(measurement), { timeFilter: `time > now() - ${lookback}`, granularity }),
  );
  // the newest interval is still filling: drop it
  const complete = actual.slice(0, -1);
  if (complete.length < holdout + 4) {
    throw new Error(`${measurement}: ${complete.length} intervals of history, need at least ${holdout + 4}`);
  }
  const cutoff = complete[complete.length - holdout]![0];
  const history = `time > now() - ${lookback} AND time < ${cutoff}ms`;
  const forecast = await query(
    o.url,
    o.database,
    `SELECT HOLT_WINTERS(sum("inc"), ${holdout}, ${season}) FROM (SELECT non_negative_difference(last("counter")) ` +
      `AS "inc" FROM "${measurement}" WHERE ${history} GROUP BY time(${granularity}), *) WHERE ${history} ` +
      `GROUP BY time(${granularity}) fill(0)`,
  );
  const predicted = new Map(forecast);
  let absErr = 0;
  let pctErr = 0;
  let pctN = 0;
  let n = 0;
  for (const [t, a] of complete.slice(-holdout)) {
    const f = predicted.get(t);
    if (f === undefined) continue;
    absErr += Math.abs(a - f);
    n++;
    if (a !== 0) {
      pctErr += Math.abs(a - f) / Math.abs(a);
      pctN++;
    }
  }
  if (n === 0) throw new Error(`${measurement}: the forecast has no point in the held-out intervals`);
  return { measurement, mape: pctN > 0 ? pctErr / pctN : 0, mae: absErr / n, points: n };
}

/** Writes a backtest result as a point of FORECAST_MEASUREMENT. */
export async function writeBacktest(r: BacktestResult, o: BacktestOptions): Promise<void> {
  const tag = (s: string) => s.replace(/[ ,=]/g, '\\$&');
  const line =
    `${tag(FORECAST_MEASUREMENT)},series=${tag(r.measurement)},method=holt_winters,granularity=${o.granularity ?? '1m'} ` +
    `mape=${r.mape},mae=${r.mae},points=${r.points}i`;
  const u = new URL('/write', o.url);
  u.searchParams.set('db', o.database);
  const res = await fetch(u, { method: 'POST', body: line });
  if (!res.ok) throw new Error(`InfluxDB write failed (${res.status}): ${await res.text()}`);
}
