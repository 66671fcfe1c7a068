import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ATTR_CONNECTION_STATE, ATTR_DB_NAMESPACE, CONNECTION_STATES } from '../src/metrics.ts';
import { METRICS, receiverFor, scrape, scratchDatabase, value, withClient } from './helpers.ts';

let db: Awaited<ReturnType<typeof scratchDatabase>>;
const clients: pg.Client[] = [];
before(async () => {
  db = await scratchDatabase('rcvact');
  await withClient(db.url, (c) => c.query('CREATE TABLE t (id int)'));
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  await db.drop();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

test('K idle and J idle-in-transaction connections, a lock waiter and the oldest transaction', async () => {
  const K = 3;
  const J = 2;
  const receiver = receiverFor(db.name);
  try {
    const attrs = { [ATTR_DB_NAMESPACE]: db.name };
    const empty = await scrape(receiver);
    for (const state of CONNECTION_STATES) {
      assert.equal(value(empty, METRICS.backends.name, { ...attrs, [ATTR_CONNECTION_STATE]: state }), 0, state);
    }
    assert.equal(value(empty, METRICS.longestTransaction.name, attrs), 0);

    for (let i = 0; i < K; i++) await connect();
    const inTransaction: pg.Client[] = [];
    for (let i = 0; i < J; i++) {
      const c = await connect();
      await c.query('BEGIN');
      await c.query('SELECT 1');
      inTransaction.push(c);
    }
    // One of the transactions holds a lock that one more session waits for (state active, waiting on Lock).
    await inTransaction[0]!.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
    const waiter = await connect();
    const waiting = waiter.query('SELECT count(*) FROM t');
    await new Promise((r) => setTimeout(r, 1200));

    const s = await scrape(receiver);
    const byState = Object.fromEntries(
      CONNECTION_STATES.map((state) => [
        state,
        value(s, METRICS.backends.name, { ...attrs, [ATTR_CONNECTION_STATE]: state }),
      ]),
    );
    assert.deepEqual(byState, {
      active: 1,
      idle: K,
      idle_in_transaction: J,
      idle_in_transaction_aborted: 0,
      fastpath_function_call: 0,
      disabled: 0,
    });
    assert.equal(value(s, METRICS.locksWaiting.name, attrs), 1);
    const longest = value(s, METRICS.longestTransaction.name, attrs)!;
    assert.ok(longest >= 1 && longest < 600, `oldest transaction ${longest}s`);
    assert.ok(value(s, METRICS.connectionMax.name)! >= K + J + 1);

    await inTransaction[0]!.query('COMMIT');
    await waiting;
    for (const c of inTransaction.slice(1)) await c.query('COMMIT');
    const later = await scrape(receiver);
    assert.equal(value(later, METRICS.backends.name, { ...attrs, [ATTR_CONNECTION_STATE]: 'idle_in_transaction' }), 0);
    assert.equal(value(later, METRICS.backends.name, { ...attrs, [ATTR_CONNECTION_STATE]: 'idle' }), K + J + 1);
    assert.equal(value(later, METRICS.locksWaiting.name, attrs), 0);
  } finally {
    await receiver.shutdown();
  }
});
