// Re-records testdata/fixtures/*.json: what the client seam (src/client.ts) answers on a real S3-compatible store,
// the local stack's SeaweedFS (`npm run stack -- up seaweedfs`; FOURSIGNALS_STATE_DIR picks the stack). Scratch
// buckets get objects and requests, the receiver scrapes them through a recording client. Then run
// `npm run goldens` at the root to rewrite the expected observations, and review both diffs.
//   node scripts/record-fixtures.ts
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { type RecordedCall, recording, writeJson } from '@foursignals/test-support';
import { sdkStoreClient } from '../src/client.ts';
import type { S3ReceiverConfig } from '../src/config.ts';
import { S3Receiver } from '../src/receiver.ts';
import { createBucket, deleteBucket, listingConfig, putObjects, store } from '../test/support/store.ts';

const FIXTURES = join(import.meta.dirname, '..', 'testdata', 'fixtures');

export interface S3Fixture {
  description: string;
  config: S3ReceiverConfig;
  scrapes: number;
  calls: RecordedCall[];
}

const s = store();
const photos = await createBucket(s, 'fixture-photos');
const empty = await createBucket(s, 'fixture-empty');
try {
  const keys = await putObjects(s, photos, [10, 200, 3000, 40_000, 5]);
  // Requests for the store's own counters: 3 GETs, 2 HEADs of a missing key (404).
  for (let i = 0; i < 3; i++)
    await (await s.client.send(new GetObjectCommand({ Bucket: photos, Key: keys[0] }))).Body?.transformToString();
  for (let i = 0; i < 2; i++)
    await s.client.send(new HeadObjectCommand({ Bucket: photos, Key: 'missing' })).catch(() => {});

  // One page of 2 objects per bucket per scrape: the 5-object bucket is complete on the third scrape.
  const config = listingConfig(s, { buckets: [photos, empty], listing: { page_size: 2, time_budget: '0s' } });
  const calls: RecordedCall[] = [];
  const receiver = new S3Receiver(config, recording(sdkStoreClient(config), calls));
  const scrapes = 3;
  for (let i = 0; i < scrapes; i++) {
    if (i === 1)
      await s.client
        .send(new GetObjectCommand({ Bucket: photos, Key: keys[1] }))
        .then((r) => r.Body?.transformToString());
    await sleep(1000); // the store counts a request just after answering it
    await receiver.scrape({ signal: AbortSignal.timeout(15_000), warn: (m) => console.log(`  warning: ${m}`) });
  }
  await receiver.shutdown();
  writeJson(join(FIXTURES, 'listing.json'), {
    description: `Listing ${photos} (5 objects, 43,215 bytes) two objects a scrape, and ${empty}; GETs, HEADs and 404s counted by the store`,
    config: { ...config, access_key_id: 'recorded', secret_access_key: 'recorded' },
    scrapes,
    calls,
  } satisfies S3Fixture);
  console.log(`listing: ${calls.length} calls`);
} finally {
  await deleteBucket(s, photos).catch(() => {});
  await deleteBucket(s, empty).catch(() => {});
  s.client.destroy();
}
