// Every metric the bootstrap exports, declared once: name, instrument, unit, description and attributes (with their
// allowed values). The producer builds its descriptors from this table, the README's metric reference is generated
// from it (`node scripts/metric-table.ts`), and the dashboards, rules, signals view and tests import it.
import type { AttributeSpec, MetricSpec } from '@foursignals/metric-spec';

export interface MetricDef extends MetricSpec {
  /** Which instrumentation switch (OTEL_NODE_ENABLED_INSTRUMENTATIONS) or feature produces it. */
  source: string;
  /** Explicit histogram bucket boundaries (histograms only). */
  buckets?: readonly number[];
}

/** Semantic-convention buckets for HTTP durations (seconds). */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;
/** Client operation durations: the HTTP buckets with a 1 ms bucket in front (local calls are that fast). */
export const CLIENT_DURATION_BUCKETS = [0.001, ...HTTP_DURATION_BUCKETS] as const;

const errorType: AttributeSpec = {
  description: 'The class of error: the HTTP status code (>= 500 on servers), an error code or the exception name.',
};
const statusCode: AttributeSpec = { description: 'HTTP response status code.' };
const cpuMode: AttributeSpec = { description: 'CPU mode.', values: ['user', 'system'] };
const heapSpace: AttributeSpec = { description: 'V8 heap space name (new_space, old_space, ...).' };
const messaging = {
  'messaging.system': { description: 'Messaging system.', values: ['rabbitmq'] },
  'messaging.operation.name': {
    description: 'Operation: publish (sent messages) or process (consumed messages).',
    values: ['publish', 'process'],
  },
  'messaging.destination.name': { description: 'Exchange, or the queue when published to the default exchange.' },
} as const satisfies Record<string, AttributeSpec>;

export const METRICS = {
  httpServerDuration: {
    name: 'http.server.request.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Duration of HTTP server requests.',
    buckets: HTTP_DURATION_BUCKETS,
    attributes: {
      'http.request.method': { description: 'HTTP method (GET, POST, ..., _OTHER).' },
      'http.route': { description: 'The matched route template (express / fastify), absent when there is none.' },
      'http.response.status_code': statusCode,
      'error.type': errorType,
    },
    source: 'http (route from express / fastify)',
    upstream: { from: 'semconv (stable)' },
  },
  s3ClientDuration: {
    // The semantic conventions' RPC client duration (AWS SDK calls are RPC with rpc.system.name = aws-api).
    name: 'rpc.client.call.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Duration of calls made through @aws-sdk/client-s3, retries included.',
    buckets: CLIENT_DURATION_BUCKETS,
    attributes: {
      'rpc.system.name': { description: 'The RPC system.', values: ['aws-api'] },
      'rpc.service': { description: 'The AWS service.', values: ['S3'] },
      'rpc.method': { description: 'The S3 operation (GetObject, PutObject, ...).' },
      'aws.s3.bucket': { description: 'The bucket the request refers to.' },
      'http.response.status_code': statusCode,
      'error.type': errorType,
    },
    source: 'aws-sdk',
    upstream: {
      from: 'semconv rpc (development)',
      note: 'AWS SDK calls are RPC: `rpc.system.name` aws-api, `rpc.service` S3',
    },
  },
  dbClientDuration: {
    name: 'db.client.operation.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Duration of database client operations (pg).',
    buckets: CLIENT_DURATION_BUCKETS,
    attributes: {
      'db.system.name': { description: 'Database system.', values: ['postgresql'] },
      'db.namespace': { description: 'The database name.' },
      'db.operation.name': { description: 'The SQL command (SELECT, INSERT, ...).' },
      'server.address': { description: 'Database host.' },
      'server.port': { description: 'Database port.' },
      'error.type': errorType,
    },
    source: 'pg',
    upstream: { from: 'semconv (stable)' },
  },
  messagingSent: {
    name: 'messaging.client.sent.messages',
    instrument: 'counter',
    unit: '{message}',
    description: 'Messages published to RabbitMQ (amqplib).',
    attributes: { ...messaging, 'error.type': errorType },
    source: 'amqplib',
    upstream: { from: 'semconv (development)' },
  },
  messagingConsumed: {
    name: 'messaging.client.consumed.messages',
    instrument: 'counter',
    unit: '{message}',
    description: 'Messages delivered to consumers (amqplib).',
    attributes: messaging,
    source: 'amqplib',
    upstream: { from: 'semconv (development)' },
  },
  usersActive: {
    name: 'app.users.active',
    instrument: 'gauge',
    unit: '{user}',
    description:
      'Distinct users seen in the window ending today (UTC): day = today so far, week = last 7 days, month = last 30 days.',
    attributes: {
      'app.users.window': { description: 'The window the users were counted in.', values: ['day', 'week', 'month'] },
    },
    source: 'DAU (FOURSIGNALS_DAU_IDENTITY)',
  },
  cpuUtilization: {
    name: 'process.cpu.utilization',
    instrument: 'gauge',
    unit: '1',
    description: 'CPU time used since the last collection divided by elapsed time and the number of CPUs available.',
    attributes: { 'cpu.mode': cpuMode },
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  cpuTime: {
    name: 'process.cpu.time',
    instrument: 'counter',
    unit: 's',
    description: 'Total CPU seconds used by the process.',
    attributes: { 'cpu.mode': cpuMode },
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  memoryUsage: {
    name: 'process.memory.usage',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Resident set size of the process.',
    attributes: {},
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  heapUsed: {
    name: 'v8js.memory.heap.used',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'V8 heap memory used, per heap space.',
    attributes: { 'v8js.heap.space.name': heapSpace },
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  heapLimit: {
    name: 'v8js.memory.heap.limit',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'V8 heap size (allocated), per heap space.',
    attributes: { 'v8js.heap.space.name': heapSpace },
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  eventLoopUtilization: {
    name: 'nodejs.eventloop.utilization',
    instrument: 'gauge',
    unit: '1',
    description: 'Event loop utilization since the last collection.',
    attributes: {},
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  eventLoopDelayP99: {
    name: 'nodejs.eventloop.delay.p99',
    instrument: 'gauge',
    unit: 's',
    description: '99th percentile of event loop delay since the last collection.',
    attributes: {},
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  eventLoopDelayMax: {
    name: 'nodejs.eventloop.delay.max',
    instrument: 'gauge',
    unit: 's',
    description: 'Maximum event loop delay since the last collection.',
    attributes: {},
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  eventLoopDelayMean: {
    name: 'nodejs.eventloop.delay.mean',
    instrument: 'gauge',
    unit: 's',
    description: 'Mean event loop delay since the last collection.',
    attributes: {},
    source: 'runtime',
    upstream: { from: 'semconv (development)' },
  },
  seriesDropped: {
    name: 'otel_bootstrap.series.overflow',
    instrument: 'counter',
    unit: '{measurement}',
    description: 'Measurements folded into the overflow series because a metric reached its series cap.',
    attributes: { 'metric.name': { description: 'The metric whose series cap was reached.' } },
    source: 'always',
  },
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;
