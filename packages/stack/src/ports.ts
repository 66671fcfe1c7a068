// The local stack's port plan. Every port is in 29000-29999: below Linux's ephemeral range (32768+) and clear of
// the defaults of services a developer machine often runs already (PostgreSQL 5432, RabbitMQ 5672/15672/25672,
// Redis 6379, epmd 4369, Prometheus 9090). Everything binds to 127.0.0.1 only.
const BASE_PORTS = {
  prometheus: 29090,
  alertmanager: 29093,
  influxdbHttp: 29086,
  influxdbRpc: 29088,
  otlpGrpc: 29317,
  otlpHttp: 29318,
  collectorHealth: 29133,
  collectorTelemetry: 29888,
  postgres: 29432,
  rabbitmqAmqp: 29672,
  rabbitmqManagement: 29673,
  rabbitmqPrometheus: 29692,
  rabbitmqDist: 29674,
  rabbitmqEpmd: 29369,
  s3: 29333,
  s3Master: 29334,
  s3Volume: 29335,
  s3Filer: 29336,
  s3Metrics: 29337,
  s3MasterGrpc: 29338,
  s3VolumeGrpc: 29339,
  s3FilerGrpc: 29340,
  s3Grpc: 29341,
  receiversPrometheus: 29464,
  signalsPage: 29400,
  mesApi: 29401,
  shopApi: 29402,
  crmApi: 29403,
  mesWorkerMetrics: 29404,
  alertWebhook: 29409,
} as const;

/**
 * FOURSIGNALS_PORT_OFFSET shifts the whole plan, so a second stack (e.g. a test of a fresh state directory) can run
 * beside the first. Rejected unless the shifted plan stays within 1024-32767.
 */
export const PORT_OFFSET = parseOffset(process.env.FOURSIGNALS_PORT_OFFSET);

export const PORTS: { readonly [K in keyof typeof BASE_PORTS]: number } = Object.fromEntries(
  Object.entries(BASE_PORTS).map(([k, v]) => [k, v + PORT_OFFSET]),
) as { [K in keyof typeof BASE_PORTS]: number };

function parseOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  const ports = Object.values(BASE_PORTS);
  if (!Number.isInteger(n) || Math.min(...ports) + n < 1024 || Math.max(...ports) + n > 32767) {
    throw new Error(`FOURSIGNALS_PORT_OFFSET=${raw}: expected an integer that keeps every port within 1024-32767`);
  }
  return n;
}

export const HOST = '127.0.0.1';
