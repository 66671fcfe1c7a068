// Listing mode against the local stack's real S3-compatible store (SeaweedFS).
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { ListingSource } from '../src/listing.ts';
import { METRICS } from '../src/metrics.ts';
import { type S3Receiver, s3ReceiverFactory } from '../src/receiver.ts';
import { context, pointValue, series } from './support/helpers.ts';
import { createBucket, deleteBucket, putObjects, type Store, store } from './support/store.ts';

const K = 237;
/** Known, varied sizes (0 bytes included). */
const SIZES = Array.from({ length: K }, (_, i) => (i * 7919) % 5003);
const TOTAL = SIZES.reduce((a, b) => a + b, 0);

let s: Store;
let full: string;
let empty: string;

before(async () => {
  s = store();
  full = await createBucket(s, 'test-listing');
  empty = await createBucket(s, 'test-empty');
  await putObjects(s, full, SIZES);
});
after(async () => {
  await deleteBucket(s, full).catch(() => {});
  await deleteBucket(s, empty).catch(() => {});
  s.client.destroy();
});

function listingReceiver(overrides: Record<string, unknown> = {}, endpoint = s.endpoint) {
  return s3ReceiverFactory.create('s3/local', {
    mode: 'listing',
    endpoint,
    region: s.region,
    access_key_id: s.credentials.accessKeyId,
    secret_access_key: s.credentials.secretAccessKey,
    buckets: [full, empty],
    ...overrides,
  });
}

describe('listing mode', () => {
  test('K objects of known sizes: size and object count exact, across pages and buckets', async () => {
    const receiver = listingReceiver({ listing: { page_size: 50, concurrency: 2 } });
    try {
      const obs = await receiver.scrape(context());
      assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': full }), K);
      assert.equal(
        pointValue(obs, METRICS.bucketSize.name, { 'aws.s3.bucket': full, 's3.storage_class': 'STANDARD' }),
        TOTAL,
      );
      assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': empty }), 0);
      assert.equal(pointValue(obs, METRICS.bucketSize.name, { 'aws.s3.bucket': empty }), 0);
      assert.equal(pointValue(obs, METRICS.listingTruncated.name, { 'aws.s3.bucket': full }), 0);
      assert.equal(((receiver as S3Receiver).source as ListingSource).lastScrape.pages, Math.ceil(K / 50) + 1);

      // Deleting objects shows on the next scrape.
      await s.client.send(new DeleteObjectCommand({ Bucket: full, Key: 'obj/000001' }));
      const again = await receiver.scrape(context());
      assert.equal(pointValue(again, METRICS.bucketObjects.name, { 'aws.s3.bucket': full }), K - 1);
      assert.equal(pointValue(again, METRICS.bucketSize.name, { 'aws.s3.bucket': full }), TOTAL - SIZES[1]!);
      await putObjects(s, full, SIZES.slice(0, 2)); // restore obj/000001 (obj/000000 is rewritten unchanged)
    } finally {
      await receiver.shutdown();
    }
  });

  test('bucket discovery with ListBuckets finds the test buckets', async () => {
    const receiver = listingReceiver({ buckets: undefined, listing: { page_size: 1000 } });
    try {
      const obs = await receiver.scrape(context());
      assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': full }), K);
      assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': empty }), 0);
    } finally {
      await receiver.shutdown();
    }
  });

  test('over the time budget: truncated = 1, no partial numbers, resumes and completes exactly', async () => {
    // A budget that is always spent: every scrape lists exactly one page per bucket.
    const receiver = listingReceiver({ buckets: [full], listing: { page_size: 40, time_budget: '0ms' } });
    try {
      const pages = Math.ceil(K / 40);
      for (let i = 1; i < pages; i++) {
        const obs = await receiver.scrape(context());
        assert.equal(pointValue(obs, METRICS.listingTruncated.name), 1, `scrape ${i}`);
        assert.equal(series(obs, METRICS.bucketObjects.name).length, 0, 'no partial count is reported');
        assert.equal(series(obs, METRICS.bucketSize.name).length, 0, 'no partial size is reported');
      }
      const done = await receiver.scrape(context());
      assert.equal(pointValue(done, METRICS.listingTruncated.name), 0);
      assert.equal(pointValue(done, METRICS.bucketObjects.name), K);
      assert.equal(pointValue(done, METRICS.bucketSize.name), TOTAL);
      // The next pass starts over and, while truncated, keeps reporting the last complete numbers.
      const next = await receiver.scrape(context());
      assert.equal(pointValue(next, METRICS.listingTruncated.name), 1);
      assert.equal(pointValue(next, METRICS.bucketObjects.name), K);
    } finally {
      await receiver.shutdown();
    }
  });

  test('a missing bucket is a partial failure: the others are still reported, and it is no longer', async () => {
    const doomed = await createBucket(s, 'test-doomed');
    await putObjects(s, doomed, [10, 20]);
    const warnings: string[] = [];
    const receiver = listingReceiver({ buckets: [full, doomed] });
    try {
      const before = await receiver.scrape(context(warnings));
      assert.equal(pointValue(before, METRICS.bucketObjects.name, { 'aws.s3.bucket': doomed }), 2);
      await deleteBucket(s, doomed);
      const obs = await receiver.scrape(context(warnings));
      assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': full }), K);
      assert.equal(pointValue(obs, METRICS.bucketObjects.name, { 'aws.s3.bucket': doomed }), undefined);
      assert.equal(pointValue(obs, METRICS.listingTruncated.name, { 'aws.s3.bucket': doomed }), undefined);
      assert.match(warnings.join('\n'), new RegExp(`${doomed}: NoSuchBucket`));
    } finally {
      await receiver.shutdown();
      await deleteBucket(s, doomed).catch(() => {});
    }
  });
});

/** A TCP relay in front of the real store, to take it away and bring it back. */
class Relay {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;
  readonly target: URL;
  constructor(target: URL) {
    this.target = target;
  }
  async open(port = 0): Promise<void> {
    this.#server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const sock of [client, upstream]) {
        this.#sockets.add(sock);
        sock.on('close', () => this.#sockets.delete(sock));
        sock.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    for (const sock of this.#sockets) sock.destroy();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }
}

describe('store down', () => {
  test('scrape fails (receiver.up = 0) without crashing, and recovers on the next scrape', async () => {
    const relay = new Relay(new URL(s.endpoint));
    await relay.open();
    const receiver = listingReceiver({ buckets: undefined }, `http://127.0.0.1:${relay.port}`);
    try {
      assert.equal(
        pointValue(await receiver.scrape(context()), METRICS.bucketObjects.name, { 'aws.s3.bucket': full }),
        K,
      );
      await relay.close();
      await assert.rejects(receiver.scrape(context()), 'an unreachable store fails the whole scrape');
      await assert.rejects(receiver.scrape(context()));
      await relay.open(relay.port);
      const back = await receiver.scrape(context());
      assert.equal(pointValue(back, METRICS.bucketObjects.name, { 'aws.s3.bucket': full }), K);
    } finally {
      await receiver.shutdown();
      await relay.close().catch(() => {});
    }
  });
});
