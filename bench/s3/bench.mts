// S3 receiver benchmark (docs/benchmarks.md, "S3 receiver").
//   node bench/s3/bench.mts [--objects 100000] [--buckets 50]
// 1. Listing mode against the local stack's SeaweedFS: one bucket of N objects (filled once, reused), then full
//    listing scrapes: wall time, ListObjectsV2 pages, heap and RSS growth per scrape.
// 2. AWS mode against the local CloudWatch endpoint: GetMetricData calls and queries per scrape for B buckets.
// Needs `npm run stack -- up`. Prints a Markdown table.
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CloudWatchSource } from '../../packages/receiver-s3/src/cloudwatch.ts';
import { ListingSource } from '../../packages/receiver-s3/src/listing.ts';
import { METRICS } from '../../packages/receiver-s3/src/metrics.ts';
import { CloudWatchMock } from '../../packages/receiver-s3/test/support/cloudwatch-mock.ts';
import { deleteBucket, store, storeClient } from '../../packages/receiver-s3/test/support/store.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    buckets: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.objects);
const B = Number(values.buckets);
const ctx = { signal: new AbortController().signal, warn: (m: string) => console.error(`warn: ${m}`) };
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rows: string[] = [];

// --- 1. listing ---------------------------------------------------------------------------------------------
const s = store();
const bucket = `bench-listing-${N}`;
await s.client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => {});
let have = 0;
for (let token: string | undefined, more = true; more; ) {
  const page = await s.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
  have += page.KeyCount ?? 0;
  token = page.NextContinuationToken;
  more = Boolean(page.IsTruncated && token);
}
if (have < N) {
  console.error(`filling ${bucket}: ${have} -> ${N} objects ...`);
  const t0 = performance.now();
  let next = have;
  const worker = async () => {
    for (let i = next++; i < N; i = next++) {
      await s.client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `o/${String(i).padStart(7, '0')}`, Body: Buffer.alloc(i % 97) }),
      );
      if (i % 10_000 === 0) console.error(`  ${i} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

const listing = new ListingSource(storeClient(s), { time_budget: '1h', page_size: 1000 });
const rss0 = process.memoryUsage().rss;
for (let run = 1; run <= 3; run++) {
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const obs = await listing.scrape([bucket], ctx);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heapPeakish = process.memoryUsage().heapUsed - heap0;
  globalThis.gc?.();
  const retained = process.memoryUsage().heapUsed - heap0;
  const objects = obs.find((o) => o.metric === METRICS.bucketObjects.name)?.value;
  if (objects !== N) throw new Error(`listing counted ${objects}, expected ${N}`);
  rows.push(
    `| listing, ${N.toLocaleString('en')} objects, run ${run} | ${(ms / 1000).toFixed(2)} s (receiver CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s) | ${listing.lastScrape.pages} ListObjectsV2 | heap +${mib(heapPeakish)} MiB at the end of the scrape, +${mib(retained)} MiB retained after GC |`,
  );
}
rows.push(
  `| listing, process | - | - | RSS ${mib(rss0)} MiB before the scrapes, peak ${mib(process.resourceUsage().maxRSS * 1024)} MiB |`,
);
if (!values.keep) {
  console.error(`deleting ${bucket} (--keep keeps it for the next run) ...`);
  await deleteBucket(s, bucket);
}
s.client.destroy();

// --- 2. AWS mode API calls ----------------------------------------------------------------------------------
const mock = new CloudWatchMock();
await mock.start();
const client = new CloudWatchClient({
  region: 'us-east-1',
  endpoint: mock.url,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'bench' },
});
const buckets = Array.from({ length: B }, (_, i) => `bucket-${i}`);
const clock = { now: Date.UTC(2026, 10, 25, 12, 0, 30) };
const cw = new CloudWatchSource(client, {}, () => clock.now);
for (const [label, step] of [
  ['first scrape (storage; request counting starts)', 0],
  ['next scrape, 60 s later (requests only)', 60_000],
  ['an hour later (storage due again)', 3_600_000],
] as const) {
  clock.now += step;
  mock.calls.length = 0;
  const before = cw.apiCalls;
  await cw.scrape(buckets, ctx);
  const queries = mock.calls.map((c) => c.queries.length);
  rows.push(
    `| AWS mode, ${B} buckets, ${label} | - | ${cw.apiCalls - before} GetMetricData (${queries.join(' + ') || 0} queries) | - |`,
  );
}
client.destroy();
await mock.stop();

console.log('| case | time per scrape | API calls | memory |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
