// What the instrumentation records matches the one declaration of its metric: every attribute key is declared,
// and every value of an attribute with a closed set is in that set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSpec } from '@foursignals/metric-spec';
import { LibraryMetrics } from '../src/instrumentation/libraries.ts';
import { METRICS } from '../src/metrics.ts';

function undeclared(metric: MetricSpec, attributes: Record<string, unknown>): string[] {
  return Object.entries(attributes).flatMap(([k, v]) => {
    const spec = metric.attributes[k];
    if (!spec) return [`${metric.name}: attribute ${k} is not declared`];
    if (spec.values && !spec.values.includes(String(v))) return [`${metric.name}: ${k}=${v} is not a declared value`];
    return [];
  });
}

test('S3 calls are recorded with the declared attributes of the RPC client duration', () => {
  const libs = new LibraryMetrics();
  libs.recordS3('GetObject', 'bucket-a', 404, 'NoSuchKey', 0.01);
  libs.recordS3('PutObject', undefined, undefined, undefined, 0.02);
  const cells = [...libs.s3.all()];
  assert.equal(cells.length, 2);
  assert.deepEqual(
    cells.flatMap((c) => undeclared(METRICS.s3ClientDuration, c.attributes)),
    [],
  );
  assert.equal(cells[0]!.attributes['rpc.system.name'], 'aws-api');
});

test('the check sees an undeclared attribute and an undeclared value', () => {
  assert.deepEqual(undeclared(METRICS.s3ClientDuration, { 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB' }), [
    `${METRICS.s3ClientDuration.name}: attribute rpc.system is not declared`,
    `${METRICS.s3ClientDuration.name}: rpc.service=DynamoDB is not a declared value`,
  ]);
});
