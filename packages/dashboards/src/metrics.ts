// The metrics the dashboards and rules read, straight from their emitters' tables (otel-bootstrap, the receivers
// runtime and receivers, the demo's business metrics): no metric name, unit or attribute is spelled here.
// Prometheus names are derived with the collector's translation rules (@foursignals/metric-spec); labels come
// through `label()` / `matcher()`, so an attribute or value a metric does not declare is a compile error.
import { BUSINESS_METRICS } from '@foursignals/demo/metrics';
import { label, matcher, promLabel, promNames } from '@foursignals/metric-spec';
import { METRICS as BOOTSTRAP } from '@foursignals/otel-bootstrap/metrics';
import { HEALTH_METRICS } from '@foursignals/receiver-core';
import { METRICS as PG } from '@foursignals/receiver-postgresql/metrics';
import { METRICS as RMQ } from '@foursignals/receiver-rabbitmq/metrics';
import { METRICS as S3 } from '@foursignals/receiver-s3/metrics';

/** Every emitter's table, by emitter. */
export const SOURCES = {
  /** otel-bootstrap (semantic conventions) */
  app: BOOTSTRAP,
  /** receivers runtime: health of every receiver instance */
  receiver: HEALTH_METRICS,
  pg: PG,
  rmq: RMQ,
  s3: S3,
  /** the demo's business metrics (counters) */
  business: BUSINESS_METRICS,
} as const;

/** Prometheus names (histograms without `_bucket`/`_sum`/`_count`), under the same keys as SOURCES. */
export const M = {
  app: promNames(BOOTSTRAP),
  receiver: promNames(HEALTH_METRICS),
  pg: promNames(PG),
  rmq: promNames(RMQ),
  s3: promNames(S3),
  business: promNames(BUSINESS_METRICS),
} as const;

/** The collector's own metrics, already Prometheus names (scraped from its telemetry endpoint). */
export const OTELCOL = {
  queueSize: 'otelcol_exporter_queue_size',
  queueCapacity: 'otelcol_exporter_queue_capacity',
  sentPoints: 'otelcol_exporter_sent_metric_points_total',
  failedPoints: 'otelcol_exporter_send_failed_metric_points_total',
  acceptedPoints: 'otelcol_receiver_accepted_metric_points_total',
  refusedPoints: 'otelcol_receiver_refused_metric_points_total',
} as const;

/** Prometheus' own metrics (scraped from itself). */
export const PROMETHEUS_SELF = {
  headSeries: 'prometheus_tsdb_head_series',
} as const;

/** Prometheus label names of the attributes used in expressions, each taken from a metric that declares it. */
export const L = {
  /** A resource attribute of every service (not in the metric tables). */
  service: promLabel('service.name'),
  route: label(BOOTSTRAP.httpServerDuration, 'http.route'),
  method: label(BOOTSTRAP.httpServerDuration, 'http.request.method'),
  status: label(BOOTSTRAP.httpServerDuration, 'http.response.status_code'),
  usersWindow: label(BOOTSTRAP.usersActive, 'app.users.window'),
  receiverName: label(HEALTH_METRICS.up, 'receiver.name'),
  receiverTarget: label(HEALTH_METRICS.up, 'receiver.target'),
  db: label(PG.commits, 'db.namespace'),
  errorType: label(PG.errors, 'error.type'),
  connState: label(PG.backends, 'postgresql.state'),
  vhost: label(RMQ.queueMessages, 'rabbitmq.vhost.name'),
  queue: label(RMQ.queueMessages, 'rabbitmq.queue.name'),
  messageState: label(RMQ.queueMessages, 'state'),
  deadLetterReason: label(RMQ.deadLettered, 'rabbitmq.dead_letter.reason'),
  bucket: label(S3.bucketSize, 'aws.s3.bucket'),
  storageClass: label(S3.bucketSize, 's3.storage_class'),
  rpcMethod: label(BOOTSTRAP.s3ClientDuration, 'rpc.method'),
  statusClass: label(S3.bucketErrors, 'http.response.status_class'),
  cpuMode: label(BOOTSTRAP.cpuUtilization, 'cpu.mode'),
  exporter: 'exporter',
} as const;

/** The S3 calls among the RPC client durations (AWS SDK calls: rpc.system.name = aws-api, rpc.service = S3). */
export const S3_CALLS = `${matcher(BOOTSTRAP.s3ClientDuration, 'rpc.system.name', 'aws-api')}, ${matcher(BOOTSTRAP.s3ClientDuration, 'rpc.service', 'S3')}`;

/** process.cpu.utilization of a process, all CPU modes (user + system) added up. */
export function cpuOf(selector = ''): string {
  return `sum without (${L.cpuMode}) (${M.app.cpuUtilization}${selector ? `{${selector}}` : ''})`;
}
