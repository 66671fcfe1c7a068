// Outbound calls from the app: S3 through @aws-sdk/client-s3 (against the stack's S3 server), PostgreSQL through
// pg, RabbitMQ through amqplib. Each script app makes a known set of calls and exits normally; what it did must be
// in Prometheus exactly (this also proves the flush on exit).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { promName } from '@foursignals/metric-spec';
import { METRICS } from '../src/metrics.ts';
import { endpoints, otlpEnv, runScript, uniqueService, waitForQuery } from './helpers.ts';

function keyed(samples: { metric: Record<string, string>; value: number }[], labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[labels.map((l) => s.metric[l] ?? '').join(' ')] = s.value;
  return out;
}

async function expectCounts(q: string, labels: string[], expected: Record<string, number>): Promise<void> {
  const same = (got: Record<string, number>) =>
    JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(expected).sort());
  const got = keyed(await waitForQuery(q, (s) => same(keyed(s, labels))), labels);
  assert.deepEqual(got, expected);
}

test(`S3: ${METRICS.s3ClientDuration.name} per operation, bucket, status and error`, async () => {
  const e = endpoints();
  assert.ok(e['s3_endpoint'], 'the stack has an S3 server (s3_endpoint)');
  const service = uniqueService('s3');
  const bucket = (e['s3_buckets'] ?? '').split(',')[0]!;
  const prefix = `ob-test-${randomBytes(4).toString('hex')}`;
  const r = await runScript(
    's3.mjs',
    otlpEnv(service, {
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      S3_ENDPOINT: e['s3_endpoint']!,
      S3_REGION: e['s3_region'] ?? 'us-east-1',
      S3_ACCESS_KEY_ID: e['s3_access_key_id'] ?? '',
      S3_SECRET_ACCESS_KEY: e['s3_secret_access_key'] ?? '',
      S3_BUCKET: bucket,
      S3_PREFIX: prefix,
      PUTS: '4',
      GETS: '6',
      MISSING: '2',
    }),
    'import-register',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.out['errors'], 3);
  const labels = ['rpc_method', 'aws_s3_bucket', 'http_response_status_code', 'error_type'];
  await expectCounts(
    `sum by (${labels.join(',')}) (${promName(METRICS.s3ClientDuration)}_count{service_name="${service}",rpc_system_name="aws-api"})`,
    labels,
    {
      [`PutObject ${bucket} 200 `]: 4,
      [`GetObject ${bucket} 200 `]: 6,
      [`GetObject ${bucket} 404 NoSuchKey`]: 2,
      [`HeadBucket ${prefix}-no-such-bucket 404 NotFound`]: 1,
      [`DeleteObject ${bucket} 204 `]: 4,
    },
  );
});

test('pg: db.client.operation.duration per operation and error', async () => {
  const service = uniqueService('pg');
  const r = await runScript(
    'pg.cjs',
    otlpEnv(service, { OTEL_METRIC_EXPORT_INTERVAL: '600000', PG_URL: endpoints().postgres_url }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.out['failed'], 1);
  const labels = ['db_operation_name', 'error_type', 'db_system_name'];
  await expectCounts(
    `sum by (${labels.join(',')}) (db_client_operation_duration_seconds_count{service_name="${service}"})`,
    labels,
    {
      'SELECT  postgresql': 6,
      'CREATE  postgresql': 1,
      'INSERT  postgresql': 3,
      ' 42601 postgresql': 1,
    },
  );
});

test('amqplib: published and consumed message counts', async () => {
  const service = uniqueService('amqp');
  const queue = `ob-test-${randomBytes(4).toString('hex')}`;
  const r = await runScript(
    'amqp.cjs',
    otlpEnv(service, {
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      AMQP_URL: endpoints().rabbitmq_url,
      QUEUE: queue,
      MESSAGES: '25',
    }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.out['got'], 25);
  const labels = ['messaging_destination_name', 'messaging_operation_name'];
  await expectCounts(
    `sum by (${labels.join(',')}) ({__name__=~"messaging_client_(sent|consumed)_messages_total", service_name="${service}"})`,
    labels,
    {
      [`${queue} publish`]: 25,
      [`${queue} process`]: 25,
    },
  );
});
