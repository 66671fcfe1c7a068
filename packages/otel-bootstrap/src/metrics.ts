// Every metric the bootstrap exports, declared once. The producer builds its descriptors from this table and the
// README's metric reference is generated from it (`node scripts/metric-table.ts`).

export type Kind = 'histogram' | 'gauge' | 'counter' | 'updowncounter';

export interface MetricDef {
  name: string;
  kind: Kind;
  unit: string;
  description: string;
  attributes: string[];
  /** Which instrumentation switch (OTEL_NODE_ENABLED_INSTRUMENTATIONS) or feature produces it. */
  source: string;
}

/**
 * The instrumentation scope of every metric above. A host with its own OpenTelemetry instrumentation (e.g.
 * @opentelemetry/instrumentation-http) may record a metric of the same name; in Prometheus the two are told apart by
 * the `otel_scope_name` label, and the rules and dashboards select this one.
 */
export const SCOPE_NAME = '@foursignals/otel-bootstrap';

/** Semantic-convention buckets for HTTP durations (seconds). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export const METRICS = {
  httpServerDuration: {
    name: 'http.server.request.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of HTTP server requests.',
    attributes: ['http.request.method', 'http.route', 'http.response.status_code', 'error.type'],
    source: 'http (route from express / fastify / koa / hapi)',
  },
  httpClientDuration: {
    name: 'http.client.request.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of outbound HTTP requests, until the response headers arrived or the request failed.',
    attributes: [
      'http.request.method',
      'server.address',
      'server.port',
      'url.scheme',
      'http.response.status_code',
      'error.type',
    ],
    source: 'http (node:http / https), undici (fetch)',
  },
  s3ClientDuration: {
    name: 's3.client.request.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of calls made through @aws-sdk/client-s3, retries included.',
    attributes: ['rpc.method', 'aws.s3.bucket', 'http.response.status_code', 'error.type'],
    source: 'aws-sdk',
  },
  dbClientDuration: {
    name: 'db.client.operation.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of database client operations (pg).',
    attributes: ['db.system.name', 'db.namespace', 'db.operation.name', 'server.address', 'server.port', 'error.type'],
    source: 'pg',
  },
  messagingSent: {
    name: 'messaging.client.sent.messages',
    kind: 'counter',
    unit: '{message}',
    description: 'Messages published to RabbitMQ (amqplib).',
    attributes: ['messaging.system', 'messaging.operation.name', 'messaging.destination.name', 'error.type'],
    source: 'amqplib',
  },
  messagingConsumed: {
    name: 'messaging.client.consumed.messages',
    kind: 'counter',
    unit: '{message}',
    description: 'Messages delivered to consumers (amqplib).',
    attributes: ['messaging.system', 'messaging.operation.name', 'messaging.destination.name'],
    source: 'amqplib',
  },
  usersActive: {
    name: 'app.users.active',
    kind: 'gauge',
    unit: '{user}',
    description:
      'Distinct users seen in the window ending today (UTC): day = today so far, week = last 7 days, month = last 30 days.',
    attributes: ['app.users.window'],
    source: 'DAU (FOURSIGNALS_DAU_IDENTITY)',
  },
  cpuUtilization: {
    name: 'process.cpu.utilization',
    kind: 'gauge',
    unit: '1',
    description: 'CPU time used since the last collection divided by elapsed time and the number of CPUs available.',
    attributes: ['cpu.mode'],
    source: 'runtime',
  },
  cpuTime: {
    name: 'process.cpu.time',
    kind: 'counter',
    unit: 's',
    description: 'Total CPU seconds used by the process.',
    attributes: ['cpu.mode'],
    source: 'runtime',
  },
  memoryUsage: {
    name: 'process.memory.usage',
    kind: 'updowncounter',
    unit: 'By',
    description: 'Resident set size of the process.',
    attributes: [],
    source: 'runtime',
  },
  heapUsed: {
    name: 'v8js.memory.heap.used',
    kind: 'updowncounter',
    unit: 'By',
    description: 'V8 heap memory used, per heap space.',
    attributes: ['v8js.heap.space.name'],
    source: 'runtime',
  },
  heapLimit: {
    name: 'v8js.memory.heap.limit',
    kind: 'updowncounter',
    unit: 'By',
    description: 'V8 heap size (allocated), per heap space.',
    attributes: ['v8js.heap.space.name'],
    source: 'runtime',
  },
  eventLoopUtilization: {
    name: 'nodejs.eventloop.utilization',
    kind: 'gauge',
    unit: '1',
    description: 'Event loop utilization since the last collection.',
    attributes: [],
    source: 'runtime',
  },
  eventLoopDelayP99: {
    name: 'nodejs.eventloop.delay.p99',
    kind: 'gauge',
    unit: 's',
    description: '99th percentile of event loop delay since the last collection.',
    attributes: [],
    source: 'runtime',
  },
  eventLoopDelayMax: {
    name: 'nodejs.eventloop.delay.max',
    kind: 'gauge',
    unit: 's',
    description: 'Maximum event loop delay since the last collection.',
    attributes: [],
    source: 'runtime',
  },
  eventLoopDelayMean: {
    name: 'nodejs.eventloop.delay.mean',
    kind: 'gauge',
    unit: 's',
    description: 'Mean event loop delay since the last collection.',
    attributes: [],
    source: 'runtime',
  },
  seriesDropped: {
    name: 'otel_bootstrap.series.overflow',
    kind: 'counter',
    unit: '{measurement}',
    description: 'Measurements folded into the overflow series because a metric reached its series cap.',
    attributes: ['metric.name'],
    source: 'always',
  },
} as const satisfies Record<string, MetricDef>;
