// The scraper on recorded client answers (testdata/fixtures, from a real cluster: scripts/record-fixtures.ts),
// compared with the golden observations (testdata/expected; `npm run goldens` rewrites them). No server needed.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertGolden, readJson, replaying, scrapeRecorded } from '@foursignals/test-support';
import type { PostgresqlFixture } from '../scripts/record-fixtures.ts';
import type { PostgresqlClient } from '../src/client.ts';
import { METRICS } from '../src/metrics.ts';
import { PostgresqlReceiver } from '../src/receiver.ts';

const TESTDATA = join(import.meta.dirname, '..', 'testdata');
const NAMES = new Set<string>(Object.values(METRICS).map((m) => m.name));

for (const file of readdirSync(join(TESTDATA, 'fixtures'))) {
  const fixture = readJson<PostgresqlFixture>(join(TESTDATA, 'fixtures', file));
  test(`${file}: ${fixture.description}`, async () => {
    const client = replaying<PostgresqlClient>(fixture.calls);
    const receiver = new PostgresqlReceiver('postgresql/fixture', fixture.config, async () => client);
    assertGolden(join(TESTDATA, 'expected', file), await scrapeRecorded(receiver, fixture.scrapes, NAMES));
  });
}

test('an unreachable cluster is a failed scrape (receiver.up = 0), not a partial one', async () => {
  const receiver = new PostgresqlReceiver('postgresql/down', { endpoint: 'postgresql://127.0.0.1:1/postgres' }, () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
  );
  await assert.rejects(
    receiver.scrape({ signal: new AbortController().signal, warn: () => {} }),
    /cannot connect to 127\.0\.0\.1:1: connect ECONNREFUSED/,
  );
});
