// The scraper on recorded plugin responses (testdata/fixtures, from a real broker: scripts/record-fixtures.ts),
// compared with the golden observations (testdata/expected; `npm run goldens` rewrites them). No server needed.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { assertGolden, readJson, replaying, scrapeRecorded } from '@foursignals/test-support';
import type { RabbitMQFixture } from '../scripts/record-fixtures.ts';
import type { RabbitMQClient } from '../src/client.ts';
import { METRICS } from '../src/metrics.ts';
import { RabbitMQReceiver } from '../src/receiver.ts';

const TESTDATA = join(import.meta.dirname, '..', 'testdata');
const NAMES = new Set<string>(Object.values(METRICS).map((m) => m.name));

for (const file of readdirSync(join(TESTDATA, 'fixtures'))) {
  const fixture = readJson<RabbitMQFixture>(join(TESTDATA, 'fixtures', file));
  test(`${file}: ${fixture.description}`, async (t) => {
    // Head-message ages are measured from the clock: it reads what it read when the fixture was recorded.
    mock.timers.enable({ apis: ['Date'], now: fixture.scrapeTimes[0] });
    t.after(() => mock.timers.reset());
    const receiver = new RabbitMQReceiver('rabbitmq/fixture', fixture.config, replaying<RabbitMQClient>(fixture.calls));
    await receiver.nodeCountersRead;
    const scrapes = await scrapeRecorded(receiver, fixture.scrapeTimes.length, NAMES, (i) =>
      mock.timers.setTime(fixture.scrapeTimes[i]!),
    );
    assertGolden(join(TESTDATA, 'expected', file), scrapes);
  });
}

test('an unreachable plugin endpoint fails the scrape (receiver.up = 0)', async () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const client: RabbitMQClient = {
    detailedMetrics: () => Promise.reject(refused),
    metrics: () => Promise.reject(refused),
  };
  const receiver = new RabbitMQReceiver(
    'rabbitmq/down',
    {
      endpoint: 'http://127.0.0.1:1',
      prometheus_endpoint: 'http://127.0.0.1:1',
      amqp_endpoint: 'amqp://127.0.0.1:1',
      username: 'u',
      password: 'p',
      dead_letters: { enabled: false },
    },
    client,
  );
  const warnings: string[] = [];
  await receiver.nodeCountersRead;
  await assert.rejects(
    receiver.scrape({ signal: new AbortController().signal, warn: (m) => warnings.push(m) }),
    /ECONNREFUSED/,
  );
  await receiver.shutdown();
});
