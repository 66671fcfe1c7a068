import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ATTR_DB_NAMESPACE } from '../src/metrics.ts';
import {
  METRICS,
  receiverFor,
  type Scrape,
  scrape,
  scrapeUntil,
  scratchDatabase,
  superuserUrl,
  value,
  withClient,
} from './helpers.ts';

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let client: pg.Client;
before(async () => {
  db = await scratchDatabase('rcvreset');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
after(async () => {
  await client.end();
  await db.drop();
});

async function run(times: number): Promise<void> {
  for (let i = 0; i < times; i++) await client.query('SELECT $1::int + 0 AS x', [i]);
}

test('totals never go down and never spike across pg_stat_statements_reset(), eviction and pg_stat_reset()', async () => {
  const receiver = receiverFor(db.name);
  const attrs = { [ATTR_DB_NAMESPACE]: db.name };
  const statements = (s: Scrape) => value(s, METRICS.queryCalls.name, attrs)!;
  const commits = (s: Scrape) => value(s, METRICS.commits.name, attrs)!;
  try {
    await run(30);
    const s1 = await scrape(receiver);

    // Entries of this database dropped from pg_stat_statements (what eviction or a partial reset does): the
    // database's sum falls from 30 to 10. The total neither goes down nor jumps: it holds (the 10 calls made while
    // the entry was gone are the documented loss), and counts exactly what runs from then on.
    await withClient(superuserUrl(), (c) =>
      c.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = $1), 0)', [db.name]),
    );
    await run(10);
    const rawNow = await withClient(superuserUrl(), (c) =>
      c.query<{ calls: string }>(
        'SELECT sum(calls) AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1',
        [db.name],
      ),
    );
    assert.equal(Number(rawNow.rows[0]!.calls), 10, 'pg_stat_statements itself went back to 10');
    const s2 = await scrape(receiver);
    assert.equal(statements(s2), statements(s1));
    await run(7);
    const s2b = await scrape(receiver);
    assert.equal(statements(s2b) - statements(s2), 7);

    // pg_stat_reset() zeroes this database's pg_stat_database row; then more transactions than before the reset
    // run (the raw counter ends above its old value, so only stats_reset tells a reset happened).
    const s2settled = await scrapeUntil(receiver, (s) => commits(s) - commits(s1) >= 10);
    await client.query('SELECT pg_stat_reset()');
    await run(120);
    let s3 = await scrapeUntil(receiver, (s) => commits(s) - commits(s2settled) >= 120);
    // The session's last counts reach pg_stat_database within about a second of it going idle: wait until stable.
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1200));
      const again = await scrape(receiver);
      const stable = commits(again) === commits(s3);
      s3 = again;
      if (stable) break;
    }
    // Everything counted since the reset is added once: the delta is the raw counter itself. (Read both again if an
    // autovacuum worker's visit moved the counter between the scrape and the read.)
    const readRaw = () =>
      withClient(superuserUrl(), (c) =>
        c.query<{ commits: string }>('SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1', [
          db.name,
        ]),
      ).then((r) => Number(r.rows[0]!.commits));
    let raw = await readRaw();
    for (let i = 0; i < 3 && commits(s3) - commits(s2settled) !== raw; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      s3 = await scrape(receiver);
      raw = await readRaw();
    }
    assert.equal(commits(s3) - commits(s2settled), raw);
    assert.ok(commits(s3) > commits(s2settled));
    for (const [earlier, later] of [
      [s1, s2],
      [s2, s3],
    ] as const) {
      for (const point of later.points) {
        const spec = Object.values(METRICS).find((m) => m.name === point.metric)!;
        if (spec.instrument !== 'counter') continue;
        const prev = earlier.points.find(
          (p) => p.metric === point.metric && JSON.stringify(p.attributes) === JSON.stringify(point.attributes),
        );
        if (prev) assert.ok(point.value >= prev.value, `${point.metric} ${JSON.stringify(point.attributes)} went down`);
      }
    }
  } finally {
    await receiver.shutdown();
  }
});
