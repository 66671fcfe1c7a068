import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ATTR_CONNECTION_STATE, ATTR_DB_NAMESPACE } from '../src/metrics.ts';
import { PostgresqlReceiver } from '../src/receiver.ts';
import { METRICS, scrape, scratchDatabase, superuserUrl, uniqueName, urlFor, value, withClient } from './helpers.ts';

let db: Awaited<ReturnType<typeof scratchDatabase>>;
const password = `pw_${process.pid}`;
const lowRole = uniqueName('rcvlow');
const monitorRole = uniqueName('rcvmon');
before(async () => {
  db = await scratchDatabase('rcvpriv');
  await withClient(superuserUrl(), async (c) => {
    await c.query(`CREATE ROLE ${lowRole} LOGIN PASSWORD '${password}'`);
    // The least-privilege role the README documents.
    await c.query(`CREATE ROLE ${monitorRole} LOGIN PASSWORD '${password}' IN ROLE pg_monitor`);
  });
});
after(async () => {
  await db.drop();
  await withClient(superuserUrl(), async (c) => {
    await c.query(`DROP ROLE IF EXISTS ${lowRole}`);
    await c.query(`DROP ROLE IF EXISTS ${monitorRole}`);
  });
});

test('pg_stat_statements missing in the database it connects to: the other views keep working, the warning says what to run', async () => {
  const receiver = new PostgresqlReceiver('postgresql/test', { endpoint: urlFor(db.name), databases: [db.name] });
  try {
    const s = await scrape(receiver);
    assert.ok(
      s.warnings.some((w) => w.includes('CREATE EXTENSION IF NOT EXISTS pg_stat_statements;') && w.includes(db.name)),
      s.warnings.join('\n'),
    );
    assert.equal(value(s, METRICS.queryCalls.name, { [ATTR_DB_NAMESPACE]: db.name }), undefined);
    assert.ok(value(s, METRICS.commits.name, { [ATTR_DB_NAMESPACE]: db.name })! > 0);
    assert.equal(
      value(s, METRICS.backends.name, { [ATTR_DB_NAMESPACE]: db.name, [ATTR_CONNECTION_STATE]: 'active' }),
      1,
    );
  } finally {
    await receiver.shutdown();
  }
});

test('a role without pg_monitor: the views still report, the warning says which GRANT to run', async () => {
  const receiver = new PostgresqlReceiver('postgresql/test', {
    endpoint: urlFor('postgres', { name: lowRole, password }),
  });
  try {
    const s = await scrape(receiver);
    assert.ok(
      s.warnings.some((w) => w.includes(`GRANT pg_monitor TO "${lowRole}";`)),
      s.warnings.join('\n'),
    );
    assert.ok(value(s, METRICS.connectionMax.name)! > 0);
    assert.ok(value(s, METRICS.commits.name, { [ATTR_DB_NAMESPACE]: db.name })! > 0);
  } finally {
    await receiver.shutdown();
  }
});

test('the documented least-privilege role (IN ROLE pg_monitor) sees everything without a warning', async () => {
  // The password comes from the `password` option (how `${env:PG_PASSWORD}` is passed), the user from the URL.
  const url = new URL(urlFor('postgres'));
  url.username = monitorRole;
  url.password = 'wrong';
  const monitor = new PostgresqlReceiver('postgresql/test', {
    endpoint: url.toString(),
    password,
    databases: [db.name],
  });
  try {
    const s = await scrape(monitor);
    assert.deepEqual(s.warnings, []);
    for (const metric of [METRICS.commits, METRICS.queryCalls, METRICS.queryTime, METRICS.errors, METRICS.backends]) {
      assert.ok(
        s.points.some((p) => p.metric === metric.name && p.attributes['db.namespace'] === db.name),
        metric.name,
      );
    }
  } finally {
    await monitor.shutdown();
  }
});

test('an unreachable target throws (receiver.up = 0) and never prints the password', async () => {
  const receiver = new PostgresqlReceiver('postgresql/test', {
    endpoint: 'postgresql://u:sekrit@127.0.0.1:1/postgres',
  });
  assert.equal(receiver.target, '127.0.0.1:1');
  await assert.rejects(
    scrape(receiver),
    (error: Error) => /cannot connect to 127\.0\.0\.1:1/.test(error.message) && !error.message.includes('sekrit'),
  );
  await receiver.shutdown();
});
