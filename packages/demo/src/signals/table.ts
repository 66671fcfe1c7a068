// The seed's table, declared once: every signal the company asked for, with the PromQL that reads it back and the
// InfluxDB measurement that must hold it too. The view, `--json`, and the end-to-end test all come from this list.

import { label, matcher, promLabel, promName } from '@foursignals/metric-spec';
import { METRICS as APP, SCOPE_NAME as APP_SCOPE } from '@foursignals/otel-bootstrap/metrics';
import { METRICS as PG } from '@foursignals/receiver-postgresql/metrics';
import { METRICS as RMQ } from '@foursignals/receiver-rabbitmq/metrics';
import { METRICS as S3 } from '@foursignals/receiver-s3/metrics';
import { BUSINESS_METRICS as BUSINESS } from '../metrics.ts';

/** How a value is shown; `total` is a count rounded to a whole number, `eur` an amount in euros. */
export type Format = 'rps' | 'percent' | 'seconds' | 'bytes' | 'count' | 'total' | 'per_min' | 'eur';

export interface SignalRow {
  /** Stable key for `--json` and the tests. */
  id: string;
  /** The system as the seed names it. */
  system: string;
  method: 'RED' | 'USE' | 'Golden signals' | 'Business';
  signal: string;
  format: Format;
  /**
   * Evaluated as an instant query; several series are shown by `by` labels. Empty result = missing. `$__today` stands
   * for the range since 00:00 UTC (see `promqlNow`).
   */
  promql: string;
  by?: string[];
  /** The measurement (as the collector writes it to InfluxDB) and an InfluxQL condition on its tags. */
  influx: { measurement: string; where?: string };
}

// Names come from the emitters' tables: Prometheus names through promName(), labels through label()/matcher() (a
// label the metric does not declare does not compile), InfluxDB measurements are the dotted names.
const HTTP = promName(APP.httpServerDuration);
const SERVICE = promLabel('service.name');
const STATUS = label(APP.httpServerDuration, 'http.response.status_code');
/** otel-bootstrap's series only: a service's own instrumentation-http records the same name in another scope. */
const HTTP_OURS = `${promLabel('otel.scope.name')}="${APP_SCOPE}"`;
const W = '1m';
/**
 * Gauges are read over a short window so a process that is gone (its last sample lingers 5 min in an instant query)
 * no longer counts: the apps export every 5 s, the receivers every 15 s (S3 storage size, scraped rarely, is read as it is).
 */
const LIVE = '20s';
const SCRAPED = '1m';

function redRows(system: string, svc: string, method: SignalRow['method']): SignalRow[] {
  const sel = `${HTTP_OURS},${SERVICE}="${svc}"`;
  const influx = { measurement: APP.httpServerDuration.name, where: `"service.name" = '${svc}'` };
  return [
    {
      id: `${svc}.rps`,
      system,
      method,
      signal: 'RPS',
      format: 'rps',
      promql: `sum(rate(${HTTP}_count{${sel}}[${W}]))`,
      influx,
    },
    {
      id: `${svc}.errors`,
      system,
      method,
      signal: 'HTTP errors % (5xx | 4xx)',
      format: 'percent',
      promql:
        `label_replace(100 * (sum(rate(${HTTP}_count{${sel},${STATUS}=~"5.."}[${W}])) or vector(0)) / sum(rate(${HTTP}_count{${sel}}[${W}])), "class", "5xx", "", "")` +
        ` or label_replace(100 * (sum(rate(${HTTP}_count{${sel},${STATUS}=~"4.."}[${W}])) or vector(0)) / sum(rate(${HTTP}_count{${sel}}[${W}])), "class", "4xx", "", "")`,
      by: ['class'],
      influx: { ...influx, where: `${influx.where} AND "http.response.status_code" =~ /^[45]/` },
    },
    {
      id: `${svc}.latency_p95`,
      system,
      method,
      signal: 'response time p95',
      format: 'seconds',
      promql: `histogram_quantile(0.95, sum by (le) (rate(${HTTP}_bucket{${sel}}[${W}])))`,
      influx,
    },
  ];
}

function useRows(system: string, svc: string, method: SignalRow['method']): SignalRow[] {
  return [
    {
      id: `${svc}.cpu`,
      system,
      method,
      signal: 'CPU %',
      format: 'percent',
      promql: `100 * sum(avg_over_time(${promName(APP.cpuUtilization)}{${SERVICE}="${svc}"}[${LIVE}]))`,
      influx: { measurement: APP.cpuUtilization.name, where: `"service.name" = '${svc}'` },
    },
    {
      id: `${svc}.memory`,
      system,
      method,
      signal: 'memory (RSS)',
      format: 'bytes',
      promql: `sum(last_over_time(${promName(APP.memoryUsage)}{${SERVICE}="${svc}"}[${LIVE}]))`,
      influx: { measurement: APP.memoryUsage.name, where: `"service.name" = '${svc}'` },
    },
  ];
}

function dbRows(system: string, db: string): SignalRow[] {
  const sel = matcher(PG.commits, 'db.namespace', db);
  const where = `"db.namespace" = '${db}'`;
  const calls = promName(PG.queryCalls);
  const errorType = label(PG.errors, 'error.type');
  // rollbacks, deadlocks and the other errors by kind, under one `error_type` label
  const errors = [
    `label_replace(sum(rate(${promName(PG.rollbacks)}{${sel}}[5m])), "${errorType}", "rollback", "", "")`,
    `label_replace(sum(rate(${promName(PG.deadlocks)}{${sel}}[5m])), "${errorType}", "deadlock", "", "")`,
    `sum by (${errorType}) (rate(${promName(PG.errors)}{${sel}}[5m]))`,
  ].join(' or ');
  return [
    {
      id: `db.${db}.rps`,
      system,
      method: 'RED',
      signal: 'statements/s',
      format: 'rps',
      promql: `sum(rate(${calls}{${sel}}[${W}]))`,
      influx: { measurement: PG.queryCalls.name, where },
    },
    {
      id: `db.${db}.errors`,
      system,
      method: 'RED',
      signal: 'errors/s (error)',
      format: 'rps',
      // only the kinds that happen; a single 0 when none does (missing only when the receiver reports nothing)
      promql: `((${errors}) > 0) or on() (0 * sum(rate(${promName(PG.commits)}{${sel}}[5m])))`,
      by: [errorType],
      influx: { measurement: PG.errors.name, where },
    },
    {
      id: `db.${db}.duration`,
      system,
      method: 'RED',
      signal: 'mean statement duration',
      format: 'seconds',
      promql: `sum(rate(${promName(PG.queryTime)}{${sel}}[${W}])) / sum(rate(${calls}{${sel}}[${W}]))`,
      influx: { measurement: PG.queryTime.name, where },
    },
    {
      id: `db.${db}.connections`,
      system,
      method: 'RED',
      signal: 'connections',
      format: 'count',
      promql: `sum(last_over_time(${promName(PG.backends)}{${sel}}[${SCRAPED}]))`,
      influx: { measurement: PG.backends.name, where },
    },
  ];
}

const S3_CALLS = promName(APP.s3ClientDuration);
const S3_SEL = `${matcher(APP.s3ClientDuration, 'rpc.system.name', 'aws-api')},${matcher(APP.s3ClientDuration, 'rpc.service', 'S3')}`;
const RPC_METHOD = label(APP.s3ClientDuration, 'rpc.method');
const WORK_QUEUE = matcher(RMQ.queueMessages, 'rabbitmq.queue.name', 'mes.cost-calculation');
const WORK_QUEUE_INFLUX = `"rabbitmq.queue.name" = 'mes.cost-calculation'`;
const REASON = label(RMQ.deadLettered, 'rabbitmq.dead_letter.reason');
const BUCKET = label(S3.bucketSize, 'aws.s3.bucket');

/** The placeholder for "since 00:00 UTC" in a row's PromQL. */
export const TODAY = '$__today';

/** A row's PromQL as evaluated at `nowMs`: `$__today` becomes the seconds since 00:00 UTC (at least a minute). */
export function promqlNow(promql: string, nowMs = Date.now()): string {
  const sinceMidnight = Math.floor((nowMs % 86_400_000) / 1000);
  return promql.replaceAll(TODAY, `${Math.max(60, sinceMidnight)}s`);
}

type BusinessCounter = (typeof BUSINESS)[keyof typeof BUSINESS];

/**
 * What a business counter counted in a window, exactly: increase() extrapolates to the window's edges and would
 * show 16.5 new users for 11 (and more new users than active ones). Business counters start at 0 and a restarted
 * service is a new series, so the growth of each series inside the window is its max minus its min.
 */
function countedIn(name: string, window: string): string {
  return `sum(max_over_time(${name}[${window}]) - min_over_time(${name}[${window}]))`;
}

/** A business counter today and over the last 60 minutes. */
function counterRows(key: string, what: string, counter: BusinessCounter, format: Format): SignalRow[] {
  const row = { system: 'Business', method: 'Business', format, influx: { measurement: counter.name } } as const;
  const name = promName(counter);
  return [
    {
      ...row,
      id: `business.${key}.today`,
      signal: `${what} today (since 00:00 UTC)`,
      promql: countedIn(name, TODAY),
    },
    { ...row, id: `business.${key}.hour`, signal: `${what}, last 60 min`, promql: countedIn(name, '1h') },
  ];
}

/** History a trend needs before it is extrapolated 90 minutes ahead (a few minutes of start-up ramp are not one). */
export const FORECAST_MIN_HISTORY_MINUTES = 30;

/**
 * The next 3 hours of a business counter, forecast from its own trend: the per-second rate over the last 2 hours,
 * extended linearly to the middle of the coming 3 hours (never below 0). Until the rate has
 * FORECAST_MIN_HISTORY_MINUTES of history, the forecast is the current rate (last 15 min) held for 3 hours.
 */
function forecastRow(key: string, what: string, counter: BusinessCounter, format: Format): SignalRow {
  const rate = `sum(rate(${promName(counter)}[5m]))`;
  const trend = `clamp_min(3 * 3600 * predict_linear((${rate})[2h:1m], 5400), 0)`;
  const enoughHistory = `count_over_time((${rate})[2h:1m]) >= ${FORECAST_MIN_HISTORY_MINUTES}`;
  return {
    id: `business.${key}.forecast`,
    system: 'Business',
    method: 'Business',
    signal: `${what}, next 3 h (forecast: linear trend of the last 2 h; the current rate until ${FORECAST_MIN_HISTORY_MINUTES} min of history)`,
    format,
    promql: `(${trend} and on () (${enoughHistory})) or 3 * 3600 * sum(rate(${promName(counter)}[15m]))`,
    influx: { measurement: counter.name },
  };
}

/** Distinct MES API users over a window of the bootstrap's active-users gauge. */
function activeUsersRow(key: string, signal: string, window: 'week' | 'month'): SignalRow {
  return {
    id: `business.${key}`,
    system: 'Business',
    method: 'Business',
    signal,
    format: 'count',
    promql: `max(last_over_time(${promName(APP.usersActive)}{${SERVICE}="mes-api",${matcher(APP.usersActive, 'app.users.window', window)}}[${LIVE}]))`,
    influx: {
      measurement: APP.usersActive.name,
      where: `"service.name" = 'mes-api' AND "app.users.window" = '${window}'`,
    },
  };
}

export const SIGNALS: SignalRow[] = [
  // MES (cost calculation): USE of the worker, where the CPU goes
  ...useRows('MES (cost calculation)', 'mes-worker', 'USE'),
  // the MES scheduler is no Node program: the collector watches its process by name (hostmetrics), same rows
  ...useRows('MES (scheduler, not Node)', 'mes-scheduler', 'USE'),
  // RabbitMQ: USE
  {
    id: 'rabbitmq.in_flight',
    system: 'RabbitMQ',
    method: 'USE',
    signal: 'orders in flight (waiting)',
    format: 'count',
    promql: `sum(last_over_time(${promName(RMQ.queueMessages)}{${WORK_QUEUE}}[${SCRAPED}]))`,
    influx: { measurement: RMQ.queueMessages.name, where: WORK_QUEUE_INFLUX },
  },
  {
    id: 'rabbitmq.consumers',
    system: 'RabbitMQ',
    method: 'USE',
    signal: 'consumers',
    format: 'count',
    promql: `sum(last_over_time(${promName(RMQ.queueConsumers)}{${WORK_QUEUE}}[${SCRAPED}]))`,
    influx: { measurement: RMQ.queueConsumers.name, where: WORK_QUEUE_INFLUX },
  },
  {
    id: 'rabbitmq.dead_letters',
    system: 'RabbitMQ',
    method: 'USE',
    signal: 'dead letters /min (reason)',
    format: 'per_min',
    // a 0 (not missing) when no order died but the receiver's dead-letter taps are connected
    promql:
      `60 * sum by (${REASON}) (rate(${promName(RMQ.deadLettered)}[5m]))` +
      ` or on() (0 * max(${promName(RMQ.tapConnected)} > 0))`,
    by: [REASON],
    influx: { measurement: RMQ.deadLettered.name },
  },
  // MES API: the four golden signals
  ...redRows('MES API', 'mes-api', 'Golden signals'),
  ...useRows('MES API', 'mes-api', 'Golden signals'),
  {
    id: 'mes-api.dau',
    system: 'MES API',
    method: 'Golden signals',
    signal: 'DAU (distinct users today, UTC)',
    format: 'count',
    promql: `max(last_over_time(${promName(APP.usersActive)}{${SERVICE}="mes-api",${matcher(APP.usersActive, 'app.users.window', 'day')}}[${LIVE}]))`,
    influx: { measurement: APP.usersActive.name, where: `"service.name" = 'mes-api'` },
  },
  ...redRows('Shop API', 'shop-api', 'RED'),
  ...redRows('CRM API', 'crm-api', 'RED'),
  ...dbRows('Shop DB', 'shop'),
  ...dbRows('MES DB', 'mes'),
  // S3: as the applications see it
  {
    id: 's3.rps',
    system: 'S3 storage',
    method: 'RED',
    signal: 'requests/s (method)',
    format: 'rps',
    promql: `sum by (${RPC_METHOD}) (rate(${S3_CALLS}_count{${S3_SEL}}[${W}]))`,
    by: [RPC_METHOD],
    influx: { measurement: APP.s3ClientDuration.name },
  },
  {
    id: 's3.errors',
    system: 'S3 storage',
    method: 'RED',
    signal: 'errors/s (method, code)',
    format: 'rps',
    promql: `sum by (${RPC_METHOD}, ${STATUS}) (rate(${S3_CALLS}_count{${S3_SEL},${STATUS}=~"[45].."}[5m])) or on() (0 * sum(rate(${S3_CALLS}_count{${S3_SEL}}[5m])))`,
    by: [RPC_METHOD, STATUS],
    influx: { measurement: APP.s3ClientDuration.name, where: `"http.response.status_code" =~ /^[45]/` },
  },
  {
    id: 's3.latency_p95',
    system: 'S3 storage',
    method: 'RED',
    signal: 'latency p95 (method)',
    format: 'seconds',
    promql: `histogram_quantile(0.95, sum by (le, ${RPC_METHOD}) (rate(${S3_CALLS}_bucket{${S3_SEL}}[${W}])))`,
    by: [RPC_METHOD],
    influx: { measurement: APP.s3ClientDuration.name },
  },
  {
    id: 's3.size',
    system: 'S3 storage',
    method: 'RED',
    signal: 'storage size (bucket)',
    format: 'bytes',
    promql: `sum by (${BUCKET}) (${promName(S3.bucketSize)})`,
    by: [BUCKET],
    influx: { measurement: S3.bucketSize.name },
  },
  // Business: each number says its window. "today" = since 00:00 UTC, "last 60 min" = the hour up to now; counters
  // are read as each series' growth in the window (see countedIn); forecasts extend the same counters' trend.
  ...counterRows('new_users', 'new users', BUSINESS.usersNew, 'total'),
  activeUsersRow('wau', 'WAU (distinct MES API users, last 7 UTC days)', 'week'),
  activeUsersRow('mau', 'MAU (distinct MES API users, last 30 UTC days)', 'month'),
  ...counterRows('shop_orders', 'shop orders', BUSINESS.shopOrders, 'total'),
  forecastRow('shop_orders', 'shop orders', BUSINESS.shopOrders, 'total'),
  ...counterRows('revenue', 'revenue', BUSINESS.shopRevenue, 'eur'),
  forecastRow('revenue', 'revenue', BUSINESS.shopRevenue, 'eur'),
  {
    id: 'business.orders_calculated.hour',
    system: 'Business',
    method: 'Business',
    signal: 'production load: orders calculated, last 60 min',
    format: 'total',
    promql: countedIn(promName(BUSINESS.mesOrdersCalculated), '1h'),
    influx: { measurement: BUSINESS.mesOrdersCalculated.name },
  },
  forecastRow('orders_calculated', 'orders calculated', BUSINESS.mesOrdersCalculated, 'total'),
];

/** The rows the seed's own table asks for (business rows are extra). */
export const SEED_ROWS = SIGNALS.filter((r) => r.method !== 'Business');
