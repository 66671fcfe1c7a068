// InfluxQL for the business dashboard and the forecast backtest (telegraf-prometheus-v1 schema: field `counter`
// for sums, `gauge` for gauges; cumulative counters are per process, so increases are taken per series first).

/** InfluxQL: the increase of a cumulative counter per `$granularity`, summed over every series. */
export function increaseQuery(measurement: string, where = ''): string {
  const filter = where ? `${where} AND ` : '';
  return (
    `SELECT sum("inc") FROM (SELECT non_negative_difference(last("counter")) AS "inc" FROM "${measurement}" ` +
    `WHERE ${filter}$timeFilter GROUP BY time($granularity), *) WHERE $timeFilter GROUP BY time($granularity) fill(0)`
  );
}

/**
 * InfluxQL: Holt-Winters (triple exponential smoothing) fit and forecast of a counter's increase per interval; an
 * interval without data is an increase of 0 (an hour without orders has no revenue), as in increaseQuery.
 */
export function forecastQuery(measurement: string): string {
  return (
    `SELECT HOLT_WINTERS_WITH_FIT(sum("inc"), $ahead, $season) FROM (SELECT non_negative_difference(last("counter")) ` +
    `AS "inc" FROM "${measurement}" WHERE $timeFilter GROUP BY time($granularity), *) WHERE $timeFilter ` +
    'GROUP BY time($granularity) fill(0)'
  );
}

/** Substitutes the dashboard's Grafana variables in an InfluxQL panel query. */
export function expandInfluxQL(q: string, vars: Record<string, string>): string {
  return q.replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m);
}
