// AWS mode against a local CloudWatch endpoint that speaks the SDK's wire protocol (contract test: AWS itself
// is not reachable from here). A fake clock drives the request-metrics windows.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchSource } from '../src/cloudwatch.ts';
import type { CloudWatchOptions } from '../src/config.ts';
import { METRICS } from '../src/metrics.ts';
import { s3ReceiverFactory } from '../src/receiver.ts';
import { CloudWatchMock, type Dimension } from './support/cloudwatch-mock.ts';
import { context, pointValue, series } from './support/helpers.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
// 2026-11-25T12:00:30Z: mid-day, half a minute past a period boundary.
const T0 = Date.UTC(2026, 10, 25, 12, 0, 30);
const M0 = Date.UTC(2026, 10, 25, 12, 0, 0);

const mock = new CloudWatchMock();
let client: CloudWatchClient;

function source(clock: { now: number }, options: CloudWatchOptions = {}): CloudWatchSource {
  return new CloudWatchSource(client, { delay: '5m', ...options }, () => clock.now);
}

function requestDims(bucket: string): Dimension[] {
  return [
    { Name: 'BucketName', Value: bucket },
    { Name: 'FilterId', Value: 'EntireBucket' },
  ];
}

/** Puts `value(minute)` for every minute in [from, to). */
function putMinutes(
  bucket: string,
  metricName: string,
  stat: string,
  from: number,
  to: number,
  value: (t: number) => number,
) {
  const points: Array<[number, number]> = [];
  for (let t = from; t < to; t += MINUTE) points.push([t, value(t)]);
  mock.put({ metricName, dimensions: requestDims(bucket), stat, points });
}

function sumMinutes(from: number, to: number, value: (t: number) => number): number {
  let total = 0;
  for (let t = from; t < to; t += MINUTE) total += value(t);
  return total;
}

before(async () => {
  await mock.start();
  client = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: mock.url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    maxAttempts: 1,
  });
});
after(async () => {
  client.destroy();
  await mock.stop();
});
beforeEach(() => {
  mock.clear();
  mock.failures = 0;
  mock.maxDatapointsPerCall = 100_800;
});

describe('AWS mode batching', () => {
  test('50 buckets: ceil(queries / 500) GetMetricData calls per window, each within the 500-query limit', async () => {
    const buckets = Array.from({ length: 50 }, (_, i) => `bucket-${String(i).padStart(2, '0')}`);
    const clock = { now: T0 };
    const cw = source(clock, { backfill: '10m' });
    await cw.scrape(buckets, context());
    // Storage: 50 x (7 storage types + NumberOfObjects) = 400 -> 1 call; requests: 50 x (8 + 2 + 2 x 2) = 700 -> 2.
    const storageCalls = mock.calls.filter((c) => c.queries[0]?.period === 86_400);
    const requestCalls = mock.calls.filter((c) => c.queries[0]?.period === 60);
    assert.deepEqual(
      storageCalls.map((c) => c.queries.length),
      [400],
    );
    assert.deepEqual(
      requestCalls.map((c) => c.queries.length),
      [500, 200],
    );
    assert.equal(cw.apiCalls, 3);
    for (const call of mock.calls) assert.equal(new Set(call.queries.map((q) => q.id)).size, call.queries.length);

    // Next scrape a minute later: storage is not due again (hourly), one request window -> 2 calls.
    mock.calls.length = 0;
    clock.now += MINUTE;
    await cw.scrape(buckets, context());
    assert.deepEqual(
      mock.calls.map((c) => c.queries.length),
      [500, 200],
    );
  });

  test('a smaller batch size still covers every query exactly once', async () => {
    const clock = { now: T0 };
    const cw = source(clock, { max_queries_per_call: 7, request_metrics_filter_id: null });
    await cw.scrape(['a-bucket', 'b-bucket'], context()); // 2 x 8 storage queries = 16 -> 3 calls
    assert.deepEqual(
      mock.calls.map((c) => c.queries.length),
      [7, 7, 2],
    );
    const asked = mock.calls.flatMap((c) =>
      c.queries.map((q) => `${q.metricName}/${q.dimensions.map((d) => d.Value).join('/')}`),
    );
    assert.equal(new Set(asked).size, 16);
  });
});

describe('AWS mode periods', () => {
  test('daily storage metrics: the newest datapoint in the last days, by storage class; absent ones not invented', async () => {
    const today = Math.floor(T0 / DAY) * DAY;
    const dims = (type: string): Dimension[] => [
      { Name: 'BucketName', Value: 'mes-reports' },
      { Name: 'StorageType', Value: type },
    ];
    mock.put({
      metricName: 'BucketSizeBytes',
      dimensions: dims('StandardStorage'),
      stat: 'Average',
      points: [
        [today - 2 * DAY, 1000],
        [today - DAY, 1500],
      ],
    });
    mock.put({
      metricName: 'BucketSizeBytes',
      dimensions: dims('GlacierStorage'),
      stat: 'Average',
      points: [[today - 2 * DAY, 7]],
    });
    mock.put({
      metricName: 'NumberOfObjects',
      dimensions: dims('AllStorageTypes'),
      stat: 'Average',
      points: [[today - DAY, 12]],
    });
    const cw = source({ now: T0 }, { request_metrics_filter_id: null });
    const obs = await cw.scrape(['mes-reports', 'empty-bucket'], context());
    const call = mock.calls[0]!;
    assert.equal(call.startTime, today - 3 * DAY);
    assert.ok(call.endTime <= T0);
    assert.equal(pointValue(obs, METRICS.bucketSize.name, { 's3.storage_class': 'STANDARD' }), 1500);
    assert.equal(pointValue(obs, METRICS.bucketSize.name, { 's3.storage_class': 'GLACIER' }), 7);
    assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': 'mes-reports' }), 12);
    assert.equal(series(obs, METRICS.bucketSize.name).length, 2, 'no zeros for storage types without data');
    assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': 'empty-bucket' }), undefined);
  });

  test('1-minute request metrics: each datapoint counted once, only after the delay, with no gaps', async () => {
    const value = (t: number) => 1 + ((t / MINUTE) % 7);
    const errors = (t: number) => (t / MINUTE) % 3;
    putMinutes('shop-images', 'AllRequests', 'Sum', M0 - 60 * MINUTE, M0 + 60 * MINUTE, value);
    putMinutes('shop-images', 'GetRequests', 'Sum', M0 - 60 * MINUTE, M0 + 60 * MINUTE, value);
    putMinutes('shop-images', '4xxErrors', 'Sum', M0 - 60 * MINUTE, M0 + 60 * MINUTE, errors);
    putMinutes('shop-images', 'FirstByteLatency', 'p99', M0 - 60 * MINUTE, M0 + 60 * MINUTE, (t) => (t / MINUTE) % 100);

    const clock = { now: T0 };
    const cw = source(clock);
    const first = await cw.scrape(['shop-images'], context());
    // No backfill: counting starts at the first scrape's window end, with no call for an empty window.
    const origin = Math.floor((T0 - 5 * MINUTE) / MINUTE) * MINUTE;
    assert.equal(series(first, METRICS.bucketRequests.name).length, 0, 'no invented zeros before any datapoint');
    assert.equal(mock.calls.filter((c) => c.queries[0]?.period === 60).length, 0);

    // Scrapes at irregular intervals (15 s to 7 min): windows must tile [origin, end) exactly.
    const steps = [15_000, 45_000, 60_000, 90_000, 420_000, 30_000, 61_000];
    let obs = first;
    for (const step of steps) {
      clock.now += step;
      obs = await cw.scrape(['shop-images'], context());
    }
    const end = Math.floor((clock.now - 5 * MINUTE) / MINUTE) * MINUTE;
    assert.equal(pointValue(obs, METRICS.bucketRequests.name, { 'rpc.method': 'ALL' }), sumMinutes(origin, end, value));
    assert.equal(pointValue(obs, METRICS.bucketRequests.name, { 'rpc.method': 'GET' }), sumMinutes(origin, end, value));
    assert.equal(
      pointValue(obs, METRICS.bucketErrors.name, { 'http.response.status_class': '4xx' }),
      sumMinutes(origin, end, errors),
    );
    assert.equal(
      pointValue(obs, METRICS.bucketRequests.name, { 'rpc.method': 'PUT' }),
      undefined,
      'no data, no series',
    );
    assert.equal(pointValue(obs, METRICS.bucketErrors.name, { 'http.response.status_class': '5xx' }), undefined);
    // The newest counted minute's p99 first-byte latency, converted from milliseconds to seconds.
    assert.equal(
      pointValue(obs, METRICS.bucketRequestLatency.name, { 's3.latency.kind': 'first_byte', statistic: 'p99' }),
      (((end - MINUTE) / MINUTE) % 100) / 1000,
    );
    // Windows never overlap and never leave a hole; no window reaches into the delay.
    const windows = mock.calls.filter((c) => c.queries[0]?.period === 60 && !c.nextToken);
    for (let i = 1; i < windows.length; i++) assert.equal(windows[i]!.startTime, windows[i - 1]!.endTime);
    assert.equal(windows[0]!.startTime, origin);
    for (const w of windows) assert.ok(w.endTime % MINUTE === 0 && w.startTime % MINUTE === 0);
  });

  test('a failed scrape is retried whole on the next one: no gap, no double count', async () => {
    const value = (t: number) => 10 + ((t / MINUTE) % 5);
    putMinutes('shop-images', 'AllRequests', 'Sum', M0 - 60 * MINUTE, M0 + 60 * MINUTE, value);
    const clock = { now: T0 };
    const cw = source(clock, { backfill: '5m', max_queries_per_call: 5 }); // 14 request queries -> 3 calls
    const origin = Math.floor((T0 - 5 * MINUTE) / MINUTE) * MINUTE - 5 * MINUTE;
    await cw.scrape(['shop-images'], context());

    clock.now += 3 * MINUTE;
    mock.failures = 1; // the first call of the window fails; the other two would succeed
    const warnings: string[] = [];
    await assert.rejects(cw.scrape(['shop-images'], context(warnings)));
    assert.match(warnings.join('\n'), /InternalServiceFault|injected failure/);

    clock.now += 2 * MINUTE;
    const obs = await cw.scrape(['shop-images'], context());
    const end = Math.floor((clock.now - 5 * MINUTE) / MINUTE) * MINUTE;
    assert.equal(pointValue(obs, METRICS.bucketRequests.name, { 'rpc.method': 'ALL' }), sumMinutes(origin, end, value));
  });

  test('NextToken pages are followed and merged', async () => {
    const value = (t: number) => (t / MINUTE) % 11;
    for (const m of ['AllRequests', 'GetRequests', 'PutRequests']) {
      putMinutes('mes-reports', m, 'Sum', M0 - 60 * MINUTE, M0 + 60 * MINUTE, value);
    }
    mock.maxDatapointsPerCall = 7;
    const clock = { now: T0 };
    const cw = source(clock, {
      backfill: '30m',
      request_metrics_filter_id: 'EntireBucket',
      storage_refresh: '1000h',
    });
    const obs = await cw.scrape(['mes-reports'], context());
    const end = Math.floor((T0 - 5 * MINUTE) / MINUTE) * MINUTE;
    const expected = sumMinutes(end - 30 * MINUTE, end, value);
    for (const method of ['ALL', 'GET', 'PUT']) {
      assert.equal(pointValue(obs, METRICS.bucketRequests.name, { 'rpc.method': method }), expected, method);
    }
    assert.ok(mock.calls.filter((c) => c.nextToken).length >= 12, 'paged: 90 datapoints, 7 per page');
  });
});

describe('AWS mode through the receiver factory', () => {
  test('the SDK with the standard wiring reaches the endpoint; a failing endpoint fails the scrape (receiver.up = 0) and the next one recovers', async () => {
    const receiver = s3ReceiverFactory.create('s3/aws', {
      mode: 'aws',
      buckets: ['mes-reports'],
      access_key_id: 'AKIDEXAMPLE',
      secret_access_key: 'secret',
      cloudwatch: { endpoint: mock.url, request_metrics_filter_id: null },
    });
    const today = Math.floor(Date.now() / DAY) * DAY;
    mock.put({
      metricName: 'NumberOfObjects',
      dimensions: [
        { Name: 'BucketName', Value: 'mes-reports' },
        { Name: 'StorageType', Value: 'AllStorageTypes' },
      ],
      stat: 'Average',
      points: [[today - DAY, 42]],
    });
    try {
      mock.failures = 2; // both SDK attempts: CloudWatch is down for this scrape
      await assert.rejects(receiver.scrape(context()), /injected failure|InternalServiceFault/);
      assert.equal(pointValue(await receiver.scrape(context()), METRICS.bucketObjects.name), 42);
      assert.doesNotMatch(receiver.target, /secret/);
    } finally {
      await receiver.shutdown();
    }
  });
});
