// Every metric the dashboards and rules read, as its emitter declares it (OpenTelemetry name, instrument, unit),
// and its Prometheus name derived by the collector's translation rules. Expressions refer to metrics only through
// `M` and to labels only through `L`, so a renamed metric is changed in one place.
import { SCOPE_NAME } from '@foursignals/otel-bootstrap/metrics';
import { type MetricName, promLabel, promName } from './promnames.ts';

function metric(name: string, instrument: MetricName['instrument'], unit: string): MetricName {
  return { name, instrument, unit };
}

/** The emitters' declarations (otel-bootstrap, the receivers runtime and receivers, the demo, the collector). */
export const SOURCES = {
  // otel-bootstrap (semantic conventions)
  httpServerDuration: metric('http.server.request.duration', 'histogram', 's'),
  processCpu: metric('process.cpu.utilization', 'gauge', '1'),
  processMemory: metric('process.memory.usage', 'updowncounter', 'By'),
  usersActive: metric('app.users.active', 'gauge', '{user}'),
  eventLoopUtilization: metric('nodejs.eventloop.utilization', 'gauge', '1'),
  eventLoopDelayP99: metric('nodejs.eventloop.delay.p99', 'gauge', 's'),
  s3ClientDuration: metric('s3.client.request.duration', 'histogram', 's'),
  // receivers runtime: health of every receiver instance
  receiverUp: metric('receiver.up', 'gauge', '{status}'),
  receiverScrapeDuration: metric('receiver.scrape.duration', 'gauge', 's'),
  // PostgreSQL receiver
  pgTransactions: metric('postgresql.transactions', 'counter', '{transaction}'),
  pgStatements: metric('postgresql.statements', 'counter', '{statement}'),
  pgStatementTime: metric('postgresql.statement.time', 'counter', 's'),
  pgErrors: metric('postgresql.errors', 'counter', '{error}'),
  pgConnections: metric('postgresql.connections', 'gauge', '{connection}'),
  pgConnectionMax: metric('postgresql.connection.max', 'gauge', '{connection}'),
  // RabbitMQ receiver
  rmqMessages: metric('rabbitmq.queue.messages', 'gauge', '{message}'),
  rmqConsumers: metric('rabbitmq.queue.consumers', 'gauge', '{consumer}'),
  rmqDeadLettered: metric('rabbitmq.messages.dead_lettered', 'counter', '{message}'),
  rmqDeadLetterQueueMessages: metric('rabbitmq.dead_letter_queue.messages', 'gauge', '{message}'),
  // S3 receiver (store side)
  s3BucketSize: metric('s3.bucket.size', 'gauge', 'By'),
  s3BucketObjects: metric('s3.bucket.objects', 'gauge', '{object}'),
  s3BucketRequests: metric('s3.bucket.requests', 'counter', '{request}'),
  s3BucketErrors: metric('s3.bucket.errors', 'counter', '{request}'),
  // demo business metrics (counters)
  usersNew: metric('app.users.new', 'counter', '{user}'),
  customersCreated: metric('crm.customers.created', 'counter', '{customer}'),
  shopOrders: metric('shop.orders', 'counter', '{order}'),
  shopRevenue: metric('shop.revenue', 'counter', '{EUR}'),
  mesOrdersReceived: metric('mes.orders.received', 'counter', '{order}'),
  mesOrdersCalculated: metric('mes.orders.calculated', 'counter', '{order}'),
} as const satisfies Record<string, MetricName>;

export type SourceKey = keyof typeof SOURCES;

/** Prometheus names (histograms without `_bucket`/`_sum`/`_count`). */
export const M = Object.fromEntries(Object.entries(SOURCES).map(([k, v]) => [k, promName(v)])) as Record<
  SourceKey,
  string
>;

/** The collector's own metrics, already Prometheus names (scraped from its telemetry endpoint). */
export const OTELCOL = {
  queueSize: 'otelcol_exporter_queue_size',
  queueCapacity: 'otelcol_exporter_queue_capacity',
  sentPoints: 'otelcol_exporter_sent_metric_points_total',
  failedPoints: 'otelcol_exporter_send_failed_metric_points_total',
  acceptedPoints: 'otelcol_receiver_accepted_metric_points_total',
  refusedPoints: 'otelcol_receiver_refused_metric_points_total',
} as const;

/** Prometheus label names of the attributes used in expressions. */
export const L = {
  service: promLabel('service.name'),
  route: promLabel('http.route'),
  method: promLabel('http.request.method'),
  status: promLabel('http.response.status_code'),
  usersWindow: promLabel('app.users.window'),
  receiverName: promLabel('receiver.name'),
  receiverTarget: promLabel('receiver.target'),
  db: promLabel('db.namespace'),
  txOutcome: promLabel('postgresql.transaction.outcome'),
  errorType: promLabel('error.type'),
  connState: promLabel('postgresql.connection.state'),
  vhost: promLabel('rabbitmq.vhost.name'),
  queue: promLabel('messaging.destination.name'),
  messageState: promLabel('rabbitmq.message.state'),
  deadLetterReason: promLabel('rabbitmq.dead_letter.reason'),
  bucket: promLabel('aws.s3.bucket'),
  storageClass: promLabel('s3.storage_class'),
  rpcMethod: promLabel('rpc.method'),
  statusClass: promLabel('http.response.status_class'),
  cpuMode: promLabel('cpu.mode'),
  exporter: 'exporter',
} as const;

/**
 * Selects otel-bootstrap's http.server.request.duration: a service with its own OpenTelemetry instrumentation
 * (@opentelemetry/instrumentation-http) records the same metric name under another instrumentation scope, which
 * would count every request twice.
 */
export const HTTP_OURS = `otel_scope_name="${SCOPE_NAME}"`;

/**
 * Selects the RabbitMQ receiver's series: the broker's own rabbitmq_prometheus plugin (scraped by the collector)
 * exposes aggregates with the same names (`rabbitmq_queue_messages`, `rabbitmq_queue_consumers`) but no queue label.
 */
export const RMQ_RECEIVER = `${L.queue}!=""`;

/** process.cpu.utilization of a process, all CPU modes (user + system) added up. */
export function cpuOf(selector = ''): string {
  return `sum without (${L.cpuMode}) (${M.processCpu}${selector ? `{${selector}}` : ''})`;
}
