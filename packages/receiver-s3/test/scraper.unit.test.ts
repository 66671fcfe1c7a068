// The listing mode's scraper on recorded store answers (testdata/fixtures, from SeaweedFS:
// scripts/record-fixtures.ts), compared with the golden observations (testdata/expected; `npm run goldens`
// rewrites them). No server needed. The AWS mode is unit-tested against a CloudWatch double (aws-mode.unit.test.ts).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertGolden, readJson, replaying, scrapeRecorded } from '@foursignals/test-support';
import type { S3Fixture } from '../scripts/record-fixtures.ts';
import type { S3StoreClient } from '../src/client.ts';
import { METRICS } from '../src/metrics.ts';
import { S3Receiver } from '../src/receiver.ts';

const TESTDATA = join(import.meta.dirname, '..', 'testdata');
const NAMES = new Set<string>(Object.values(METRICS).map((m) => m.name));

for (const file of readdirSync(join(TESTDATA, 'fixtures'))) {
  const fixture = readJson<S3Fixture>(join(TESTDATA, 'fixtures', file));
  test(`${file}: ${fixture.description}`, async () => {
    const receiver = new S3Receiver(fixture.config, replaying<S3StoreClient>(fixture.calls));
    assertGolden(join(TESTDATA, 'expected', file), await scrapeRecorded(receiver, fixture.scrapes, NAMES));
  });
}

test('a store that answers no listing at all fails the scrape (receiver.up = 0)', async () => {
  const denied = Object.assign(new Error('Access Denied'), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  });
  const client: S3StoreClient = {
    listBuckets: () => Promise.resolve(['a']),
    listObjects: () => Promise.reject(denied),
    serverMetrics: () => Promise.resolve(''),
    destroy: () => Promise.resolve(),
  };
  const receiver = new S3Receiver({ mode: 'listing', endpoint: 'http://127.0.0.1:1' }, client);
  const warnings: string[] = [];
  await assert.rejects(
    receiver.scrape({ signal: new AbortController().signal, warn: (m) => warnings.push(m) }),
    /ListObjectsV2 on every bucket: AccessDenied HTTP 403: Access Denied/,
  );
  assert.deepEqual(warnings, ['listing bucket a: AccessDenied HTTP 403: Access Denied']);
});
