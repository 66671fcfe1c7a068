import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ATTR_DB_NAMESPACE, ATTR_ERROR_TYPE, ERROR_TYPES } from '../src/metrics.ts';
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
before(async () => {
  db = await scratchDatabase('rcverr');
  await withClient(db.url, (c) =>
    c.query('CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)'),
  );
});
after(() => db.drop());

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => {}); // the killed and timed-out sessions report their end here
  await client.connect();
  return client;
}

/** Resolves when the session is gone (events.once would reject on the 'error' that comes first). */
function ends(client: pg.Client): Promise<void> {
  return new Promise((resolve) => client.once('end', () => resolve()));
}

const KINDS = ['rollback', 'deadlock', ...ERROR_TYPES] as const;

/** Rollbacks and deadlocks (metrics of their own) and every error.type of postgresql.errors. */
function errors(s: Scrape): Record<string, number> {
  const attrs = { [ATTR_DB_NAMESPACE]: db.name };
  return {
    rollback: value(s, METRICS.rollbacks.name, attrs)!,
    deadlock: value(s, METRICS.deadlocks.name, attrs)!,
    ...Object.fromEntries(
      ERROR_TYPES.map((type) => [type, value(s, METRICS.errors.name, { ...attrs, [ATTR_ERROR_TYPE]: type })!]),
    ),
  };
}

test('a failing transaction, a deadlock, a killed, an abandoned and a timed-out session: each under its error.type', async () => {
  const receiver = receiverFor(db.name);
  try {
    const before = errors(await scrape(receiver));

    // A failing transaction: division by zero, then ROLLBACK.
    const failing = await connect();
    await failing.query('BEGIN');
    await assert.rejects(failing.query('SELECT 1 / 0'), /division by zero/);
    await failing.query('ROLLBACK');
    await failing.end();

    // A deadlock: a and b lock rows 1 and 2, then each wants the other's; PostgreSQL aborts one of them.
    const a = await connect();
    const b = await connect();
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('UPDATE t SET v = v + 1 WHERE id = 1');
    await b.query('UPDATE t SET v = v + 1 WHERE id = 2');
    const results = await Promise.allSettled([
      a.query('UPDATE t SET v = v + 1 WHERE id = 2'),
      b.query('UPDATE t SET v = v + 1 WHERE id = 1'),
    ]);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 1, 'exactly one side of the deadlock fails');
    assert.match(String((failed[0] as PromiseRejectedResult).reason), /deadlock detected/);
    await a.query(results[0]!.status === 'rejected' ? 'ROLLBACK' : 'COMMIT');
    await b.query(results[1]!.status === 'rejected' ? 'ROLLBACK' : 'COMMIT');
    await a.end();
    await b.end();

    // A killed session: pg_terminate_backend() of an idle session.
    const victim = await connect();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const ended = ends(victim);
    await withClient(superuserUrl(), (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
    await ended;

    // An abandoned session: the client's socket closes without the protocol's goodbye.
    const abandoned = await connect();
    (abandoned as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();

    // A fatal error: idle_in_transaction_session_timeout ends a session left idle in a transaction.
    const idle = await connect();
    await idle.query("SET idle_in_transaction_session_timeout = '200ms'");
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    await ends(idle);

    const expected = {
      // the failing transaction, the deadlock's victim and the timed-out session's open transaction
      rollback: 3,
      deadlock: 1,
      conflict: 0,
      session_fatal: 1,
      session_killed: 1,
      session_abandoned: 1,
      checksum_failure: 0,
    };
    const moved = (s: Scrape) => Object.fromEntries(KINDS.map((t) => [t, errors(s)[t]! - before[t]!]));
    const afterAll = await scrapeUntil(receiver, (s) => {
      const m = moved(s);
      return KINDS.every((t) => m[t]! >= expected[t]);
    });
    assert.deepEqual(moved(afterAll), expected);
  } finally {
    await receiver.shutdown();
  }
});
