// The seed's table, declared once: every signal the company asked for, with the PromQL that reads it back and the
// InfluxDB measurement that must hold it too. The view, `--json`, and the end-to-end test all come from this list.

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

const HTTP = 'http_server_request_duration_seconds';
const W = '1m';
/**
 * Gauges are read over a short window so a process that is gone (its last sample lingers 5 min in an instant query)
 * no longer counts: the apps export every 5 s, the receivers every 15 s (S3 storage size, scraped rarely, is read as it is).
 */
const LIVE = '20s';
const SCRAPED = '1m';

function redRows(system: string, svc: string, method: SignalRow['method']): SignalRow[] {
  const sel = `service_name="${svc}"`;
  const influx = { measurement: 'http.server.request.duration', where: `"service.name" = '${svc}'` };
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
        `label_replace(100 * (sum(rate(${HTTP}_count{${sel},http_response_status_code=~"5.."}[${W}])) or vector(0)) / sum(rate(${HTTP}_count{${sel}}[${W}])), "class", "5xx", "", "")` +
        ` or label_replace(100 * (sum(rate(${HTTP}_count{${sel},http_response_status_code=~"4.."}[${W}])) or vector(0)) / sum(rate(${HTTP}_count{${sel}}[${W}])), "class", "4xx", "", "")`,
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
      promql: `100 * sum(avg_over_time(process_cpu_utilization_ratio{service_name="${svc}"}[${LIVE}]))`,
      influx: { measurement: 'process.cpu.utilization', where: `"service.name" = '${svc}'` },
    },
    {
      id: `${svc}.memory`,
      system,
      method,
      signal: 'memory (RSS)',
      format: 'bytes',
      promql: `sum(last_over_time(process_memory_usage_bytes{service_name="${svc}"}[${LIVE}]))`,
      influx: { measurement: 'process.memory.usage', where: `"service.name" = '${svc}'` },
    },
  ];
}

function dbRows(system: string, db: string): SignalRow[] {
  const sel = `db_namespace="${db}"`;
  const where = `"db.namespace" = '${db}'`;
  return [
    {
      id: `db.${db}.rps`,
      system,
      method: 'RED',
      signal: 'statements/s',
      format: 'rps',
      promql: `sum(rate(postgresql_statements_total{${sel}}[${W}]))`,
      influx: { measurement: 'postgresql.statements', where },
    },
    {
      id: `db.${db}.errors`,
      system,
      method: 'RED',
      signal: 'errors/s (error)',
      format: 'rps',
      // only the kinds that happen; a single 0 when none does (missing only when the receiver reports nothing)
      promql: `(sum by (error_type) (rate(postgresql_errors_total{${sel}}[5m])) > 0) or on() (0 * sum(rate(postgresql_errors_total{${sel}}[5m])))`,
      by: ['error_type'],
      influx: { measurement: 'postgresql.errors', where },
    },
    {
      id: `db.${db}.duration`,
      system,
      method: 'RED',
      signal: 'mean statement duration',
      format: 'seconds',
      promql: `sum(rate(postgresql_statement_time_seconds_total{${sel}}[${W}])) / sum(rate(postgresql_statements_total{${sel}}[${W}]))`,
      influx: { measurement: 'postgresql.statement.time', where },
    },
    {
      id: `db.${db}.connections`,
      system,
      method: 'RED',
      signal: 'connections',
      format: 'count',
      promql: `sum(last_over_time(postgresql_connections{${sel}}[${SCRAPED}]))`,
      influx: { measurement: 'postgresql.connections', where },
    },
  ];
}

const S3 = 's3_client_request_duration_seconds';

/** The placeholder for "since 00:00 UTC" in a row's PromQL. */
export const TODAY = '$__today';

/** A row's PromQL as evaluated at `nowMs`: `$__today` becomes the seconds since 00:00 UTC (at least a minute). */
export function promqlNow(promql: string, nowMs = Date.now()): string {
  const sinceMidnight = Math.floor((nowMs % 86_400_000) / 1000);
  return promql.replaceAll(TODAY, `${Math.max(60, sinceMidnight)}s`);
}

/** A business counter today and over the last 60 minutes. */
function counterRows(key: string, what: string, counter: string, format: Format, measurement: string): SignalRow[] {
  const row = { system: 'Business', method: 'Business', format, influx: { measurement } } as const;
  return [
    {
      ...row,
      id: `business.${key}.today`,
      signal: `${what} today (since 00:00 UTC)`,
      promql: `sum(increase(${counter}[${TODAY}]))`,
    },
    { ...row, id: `business.${key}.hour`, signal: `${what}, last 60 min`, promql: `sum(increase(${counter}[1h]))` },
  ];
}

/**
 * The next 3 hours of a business counter, forecast from its own trend: the per-second rate over the last 2 hours,
 * extended linearly to the middle of the coming 3 hours (never below 0).
 */
function forecastRow(key: string, what: string, counter: string, format: Format, measurement: string): SignalRow {
  return {
    id: `business.${key}.forecast`,
    system: 'Business',
    method: 'Business',
    signal: `${what}, next 3 h (forecast: linear trend of the last 2 h)`,
    format,
    promql: `clamp_min(3 * 3600 * predict_linear((sum(rate(${counter}[5m])))[2h:1m], 5400), 0)`,
    influx: { measurement },
  };
}

export const SIGNALS: SignalRow[] = [
  // MES (cost calculation): USE of the worker, where the CPU goes
  ...useRows('MES (cost calculation)', 'mes-worker', 'USE'),
  // RabbitMQ: USE
  {
    id: 'rabbitmq.in_flight',
    system: 'RabbitMQ',
    method: 'USE',
    signal: 'orders in flight (waiting)',
    format: 'count',
    promql: `sum(last_over_time(rabbitmq_queue_messages{messaging_destination_name="mes.cost-calculation"}[${SCRAPED}]))`,
    influx: { measurement: 'rabbitmq.queue.messages', where: `"messaging.destination.name" = 'mes.cost-calculation'` },
  },
  {
    id: 'rabbitmq.consumers',
    system: 'RabbitMQ',
    method: 'USE',
    signal: 'consumers',
    format: 'count',
    promql: `sum(last_over_time(rabbitmq_queue_consumers{messaging_destination_name="mes.cost-calculation"}[${SCRAPED}]))`,
    influx: { measurement: 'rabbitmq.queue.consumers', where: `"messaging.destination.name" = 'mes.cost-calculation'` },
  },
  {
    id: 'rabbitmq.dead_letters',
    system: 'RabbitMQ',
    method: 'USE',
    signal: 'dead letters /min (reason)',
    format: 'per_min',
    // a 0 (not missing) when no order died but the receiver's dead-letter taps are connected
    promql:
      '60 * sum by (rabbitmq_dead_letter_reason) (rate(rabbitmq_messages_dead_lettered_total[5m]))' +
      ' or on() (0 * max({__name__=~"rabbitmq_dead_letter_tap_connected.*"} > 0))',
    by: ['rabbitmq_dead_letter_reason'],
    influx: { measurement: 'rabbitmq.messages.dead_lettered' },
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
    promql: `max(last_over_time(app_users_active{service_name="mes-api",app_users_window="day"}[${LIVE}]))`,
    influx: { measurement: 'app.users.active', where: `"service.name" = 'mes-api'` },
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
    promql: `sum by (rpc_method) (rate(${S3}_count[${W}]))`,
    by: ['rpc_method'],
    influx: { measurement: 's3.client.request.duration' },
  },
  {
    id: 's3.errors',
    system: 'S3 storage',
    method: 'RED',
    signal: 'errors/s (method, code)',
    format: 'rps',
    promql: `sum by (rpc_method, http_response_status_code) (rate(${S3}_count{http_response_status_code=~"[45].."}[5m])) or on() (0 * sum(rate(${S3}_count[5m])))`,
    by: ['rpc_method', 'http_response_status_code'],
    influx: { measurement: 's3.client.request.duration', where: `"http.response.status_code" =~ /^[45]/` },
  },
  {
    id: 's3.latency_p95',
    system: 'S3 storage',
    method: 'RED',
    signal: 'latency p95 (method)',
    format: 'seconds',
    promql: `histogram_quantile(0.95, sum by (le, rpc_method) (rate(${S3}_bucket[${W}])))`,
    by: ['rpc_method'],
    influx: { measurement: 's3.client.request.duration' },
  },
  {
    id: 's3.size',
    system: 'S3 storage',
    method: 'RED',
    signal: 'storage size (bucket)',
    format: 'bytes',
    promql: 'sum by (aws_s3_bucket) (s3_bucket_size_bytes)',
    by: ['aws_s3_bucket'],
    influx: { measurement: 's3.bucket.size' },
  },
  // Business: each number says its window. "today" = since 00:00 UTC, "last 60 min" = the hour up to now; counters
  // are read with increase() (restarts of a service do not reset them); forecasts extend the same counters' trend.
  ...counterRows('new_users', 'new users', 'app_users_new_total', 'total', 'app.users.new'),
  {
    id: 'business.wau',
    system: 'Business',
    method: 'Business',
    signal: 'WAU (distinct MES API users, last 7 UTC days)',
    format: 'count',
    promql: `max(last_over_time(app_users_active{service_name="mes-api",app_users_window="week"}[${LIVE}]))`,
    influx: { measurement: 'app.users.active', where: `"service.name" = 'mes-api' AND "app.users.window" = 'week'` },
  },
  {
    id: 'business.mau',
    system: 'Business',
    method: 'Business',
    signal: 'MAU (distinct MES API users, last 30 UTC days)',
    format: 'count',
    promql: `max(last_over_time(app_users_active{service_name="mes-api",app_users_window="month"}[${LIVE}]))`,
    influx: { measurement: 'app.users.active', where: `"service.name" = 'mes-api' AND "app.users.window" = 'month'` },
  },
  ...counterRows('shop_orders', 'shop orders', 'shop_orders_total', 'total', 'shop.orders'),
  forecastRow('shop_orders', 'shop orders', 'shop_orders_total', 'total', 'shop.orders'),
  ...counterRows('revenue', 'revenue', 'shop_revenue_total', 'eur', 'shop.revenue'),
  forecastRow('revenue', 'revenue', 'shop_revenue_total', 'eur', 'shop.revenue'),
  {
    id: 'business.orders_calculated.hour',
    system: 'Business',
    method: 'Business',
    signal: 'production load: orders calculated, last 60 min',
    format: 'total',
    promql: 'sum(increase(mes_orders_calculated_total[1h]))',
    influx: { measurement: 'mes.orders.calculated' },
  },
  forecastRow(
    'orders_calculated',
    'orders calculated',
    'mes_orders_calculated_total',
    'total',
    'mes.orders.calculated',
  ),
];

/** The rows the seed's own table asks for (business rows are extra). */
export const SEED_ROWS = SIGNALS.filter((r) => r.method !== 'Business');
