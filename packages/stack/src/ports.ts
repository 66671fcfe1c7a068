// The local stack's port plan. Every port is in 29000-29999: below Linux's ephemeral range (32768+) and clear of
// the defaults of services a developer machine often runs already (PostgreSQL 5432, RabbitMQ 5672/15672/25672,
// Redis 6379, epmd 4369, Prometheus 9090). Everything binds to 127.0.0.1 only.
export const PORTS = {
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
  receiversPrometheus: 29464,
  mesApi: 29401,
  shopApi: 29402,
  crmApi: 29403,
  mesWorkerMetrics: 29404,
  alertWebhook: 29409,
} as const;

export const HOST = '127.0.0.1';
