import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ATTR_DB_NAMESPACE, ATTR_DB_QUERY_ID } from '../src/metrics.ts';
import { METRICS, receiverFor, scrape, scrapeUntil, scratchDatabase, value, withClient } from './helpers.ts';

function pgbenchPath(): string {
  for (const candidate of [
    '/usr/bin/pgbench',
    '/usr/lib/postgresql/17/bin/pgbench',
    '/usr/lib/postgresql/16/bin/pgbench',
    '/usr/lib/postgresql/15/bin/pgbench',
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return 'pgbench';
}

function pgbench(databaseUrl: string, args: string[]): string {
  const url = new URL(databaseUrl);
  return execFileSync(pgbenchPath(), [...args, decodeURIComponent(url.pathname.slice(1))], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username),
      PGPASSWORD: decodeURIComponent(url.password),
    },
  });
}

let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase('rcvbench');
  pgbench(db.url, ['-i', '-s', '1', '-q']);
  // Autovacuum workers count their transactions in the database too: keep them off pgbench's tables (pgbench -i
  // has vacuumed and analyzed them already), so the run's updates and inserts trigger no autovacuum work.
  await withClient(db.url, (c) =>
    c.query(
      ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history']
        .map((t) => `ALTER TABLE ${t} SET (autovacuum_enabled = false)`)
        .join('; '),
    ),
  );
});
after(() => db.drop());

type Scraped = Awaited<ReturnType<typeof scrape>>;

/** Scrapes until `read` gives the same value twice 1.2 s apart (an ended session's counts take up to ~1 s). */
async function settled(receiver: ReturnType<typeof receiverFor>, read: (s: Scraped) => number): Promise<Scraped> {
  let last = await scrape(receiver);
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 1200));
    const again = await scrape(receiver);
    if (read(again) === read(last)) return again;
    last = again;
  }
  return last;
}

test('pgbench: transactions and statements move by exactly what pgbench ran', async () => {
  const receiver = receiverFor(db.name);
  const attrs = { [ATTR_DB_NAMESPACE]: db.name };
  const commits = (s: Scraped) => value(s, METRICS.commits.name, attrs)!;
  const rollbacks = (s: Scraped) => value(s, METRICS.rollbacks.name, attrs)!;
  const statements = (s: Scraped) => value(s, METRICS.queryCalls.name, attrs)!;
  const clients = 2;
  const perClient = 150;
  // What pgbench adds to its clients x transactions, counted by PostgreSQL in that database:
  // - one transaction per session it opens (PostgreSQL counts the start of every session as a transaction):
  //   one session per client plus its setup session, so clients + 1;
  // - the setup session's two queries (`select count(*) from pgbench_branches` for the scale and one on pg_class
  //   for partitioning), one transaction and one statement each.
  const expectedTransactions = clients * perClient + (clients + 1) + 2;
  // The built-in TPC-B-like script: BEGIN, 3 UPDATEs, SELECT, INSERT, END = 7 statements per transaction.
  const expectedStatements = clients * perClient * 7 + 2;
  try {
    // An autovacuum worker's periodic visit to the database (once a minute per database, a few transactions of
    // its own, even with nothing to vacuum) can land inside the window: then the run is measured once more.
    const attempts: string[] = [];
    let result: { transactions: number; statements: number; rollbacks: number; after: Scraped } | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = await settled(receiver, commits);
      const output = pgbench(db.url, ['-n', '-c', String(clients), '-j', '1', '-t', String(perClient)]);
      const total = clients * perClient;
      assert.match(output, new RegExp(`number of transactions actually processed: ${total}/${total}`));
      await scrapeUntil(receiver, (s) => commits(s) - commits(before) >= expectedTransactions);
      const after = await settled(receiver, commits);
      result = {
        transactions: commits(after) - commits(before),
        statements: statements(after) - statements(before),
        rollbacks: rollbacks(after) - rollbacks(before),
        after,
      };
      attempts.push(`${result.transactions} transactions, ${result.statements} statements`);
      if (result.transactions === expectedTransactions) break;
    }
    assert.equal(result!.transactions, expectedTransactions, `attempts: ${attempts.join('; ')}`);
    assert.equal(result!.statements, expectedStatements);
    assert.equal(result!.rollbacks, 0);
    const afterRun = result!.after;
    assert.ok(value(afterRun, METRICS.queryTime.name, attrs)! > 0);

    // The top statements carry a numeric query id and never text; at most top_statements of them.
    const top = afterRun.points.filter((p) => p.metric === METRICS.topQueryCalls.name);
    assert.equal(top.length, 5);
    for (const p of top) assert.match(String(p.attributes[ATTR_DB_QUERY_ID]), /^-?[0-9]+$/);
    assert.ok(
      top.some((p) => p.value >= clients * perClient),
      'a pgbench statement is among the top 5',
    );
  } finally {
    await receiver.shutdown();
  }
});
