import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ATTR_DB_NAMESPACE, ATTR_TRANSACTION_OUTCOME } from '../src/metrics.ts';
import { METRICS, receiverFor, scrape, scrapeUntil, scratchDatabase, value } from './helpers.ts';

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
});
after(() => db.drop());

test('pgbench: transactions and statements move by exactly what pgbench ran', async () => {
  const receiver = receiverFor(db.name);
  const attrs = { [ATTR_DB_NAMESPACE]: db.name };
  const commits = (s: Awaited<ReturnType<typeof scrape>>) =>
    value(s, METRICS.transactions.name, { ...attrs, [ATTR_TRANSACTION_OUTCOME]: 'commit' })!;
  try {
    // pgbench -i's own sessions have ended: wait until their statistics have settled.
    let before = await scrape(receiver);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const again = await scrape(receiver);
      if (commits(again) === commits(before)) break;
      before = again;
    }
    const clients = 2;
    const perClient = 150;
    const output = pgbench(db.url, ['-n', '-c', String(clients), '-j', '1', '-t', String(perClient)]);
    assert.match(
      output,
      new RegExp(`number of transactions actually processed: ${clients * perClient}/${clients * perClient}`),
    );
    // What pgbench adds to its clients x transactions, counted by PostgreSQL in that database:
    // - one transaction per session it opens (PostgreSQL counts the start of every session as a transaction):
    //   one session per client plus its setup session, so clients + 1;
    // - the setup session's two queries (`select count(*) from pgbench_branches` for the scale and one on pg_class
    //   for partitioning), one transaction and one statement each.
    const expectedTransactions = clients * perClient + (clients + 1) + 2;
    // The built-in TPC-B-like script: BEGIN, 3 UPDATEs, SELECT, INSERT, END = 7 statements per transaction.
    const expectedStatements = clients * perClient * 7 + 2;
    const afterRun = await scrapeUntil(receiver, (s) => commits(s) - commits(before) >= expectedTransactions);
    assert.equal(commits(afterRun) - commits(before), expectedTransactions);
    assert.equal(
      value(afterRun, METRICS.transactions.name, { ...attrs, [ATTR_TRANSACTION_OUTCOME]: 'rollback' }),
      value(before, METRICS.transactions.name, { ...attrs, [ATTR_TRANSACTION_OUTCOME]: 'rollback' }),
    );
    const statements =
      value(afterRun, METRICS.statements.name, attrs)! - value(before, METRICS.statements.name, attrs)!;
    assert.equal(statements, expectedStatements);
    const time =
      value(afterRun, METRICS.statementTime.name, attrs)! - value(before, METRICS.statementTime.name, attrs)!;
    assert.ok(time > 0, `statement time moved by ${time}`);

    // The top statements carry a numeric db.query.id and never text; at most top_statements of them.
    const top = afterRun.points.filter((p) => p.metric === METRICS.topStatementCalls.name);
    assert.equal(top.length, 5);
    for (const p of top) assert.match(String(p.attributes['db.query.id']), /^-?[0-9]+$/);
    assert.ok(
      top.some((p) => p.value >= clients * perClient),
      'a pgbench statement is among the top 5',
    );
  } finally {
    await receiver.shutdown();
  }
});
