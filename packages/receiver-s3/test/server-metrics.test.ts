// S3-compatible mode, requests side: SeaweedFS's own request counters, mapped onto the table, agree with the
// number of requests this test makes (an independent count).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { METRICS } from '../src/metrics.ts';
import { ServerMetricsSource } from '../src/server-metrics.ts';
import { context, pointValue } from './support/helpers.ts';
import { createBucket, deleteBucket, type Store, store, storeClient } from './support/store.ts';

describe('SeaweedFS server metrics', () => {
  let s: Store;
  let bucket: string;
  before(async () => {
    s = store();
    if (!s.metricsUrl) throw new Error('the stack has no s3_metrics_url');
    bucket = await createBucket(s, 'test-srvmetrics');
  });
  after(async () => {
    await deleteBucket(s, bucket).catch(() => {});
    s.client.destroy();
  });

  test('request and error counts per kind equal the requests made; latency is a positive mean', async () => {
    const source = new ServerMetricsSource(storeClient(s));
    const read = async () => source.scrape([bucket], context());
    const first = await read();
    const count = (obs: typeof first, attrs: Record<string, string>, metric: string = METRICS.bucketRequests.name) =>
      pointValue(obs, metric, { 'aws.s3.bucket': bucket, ...attrs }) ?? 0;

    const PUTS = 6;
    const GETS = 4;
    const MISSING = 3;
    const LISTS = 2;
    for (let i = 0; i < PUTS; i++) {
      await s.client.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: `v${i}` }));
    }
    for (let i = 0; i < GETS; i++) {
      const out = await s.client.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }));
      await out.Body?.transformToString();
    }
    for (let i = 0; i < MISSING; i++) {
      await assert.rejects(s.client.send(new GetObjectCommand({ Bucket: bucket, Key: `missing-${i}` })), {
        name: 'NoSuchKey',
      });
    }
    for (let i = 0; i < LISTS; i++) await s.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    await s.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k0' }));

    const all = PUTS + GETS + MISSING + LISTS + 1;
    // The store counts a request just after answering it: wait until the last one is in (not a timed assertion).
    const probe = new ServerMetricsSource(storeClient(s));
    const settled = async () =>
      count(await probe.scrape([bucket], context()), { 'rpc.method': 'ALL' }) - count(first, { 'rpc.method': 'ALL' });
    for (let i = 0; i < 50 && (await settled()) < all; i++) await new Promise((r) => setTimeout(r, 100));
    const second = await read();
    const delta = (attrs: Record<string, string>, metric?: string) =>
      count(second, attrs, metric) - count(first, attrs, metric);
    assert.equal(delta({ 'rpc.method': 'PUT' }), PUTS);
    // SeaweedFS files GetObject, HeadObject and ListObjectsV2 under its own kinds: check the total.
    assert.equal(delta({ 'rpc.method': 'ALL' }), all);
    const kinds = second.filter(
      (o) => o.metric === METRICS.bucketRequests.name && o.attributes['rpc.method'] !== 'ALL',
    );
    assert.equal(
      kinds.reduce((a, o) => a + o.value, 0) - count(first, { 'rpc.method': 'ALL' }),
      all,
      'kinds add up to ALL',
    );
    assert.equal(delta({ 'http.response.status_class': '4xx' }, METRICS.bucketErrors.name), MISSING);
    assert.equal(delta({ 'http.response.status_class': '5xx' }, METRICS.bucketErrors.name), 0);
    const latency = pointValue(second, METRICS.bucketRequestLatency.name, {
      'aws.s3.bucket': bucket,
      's3.latency.kind': 'total',
    });
    assert.ok(latency !== undefined && latency > 0 && latency < 30, `mean latency ${latency} s`);
  });
});
