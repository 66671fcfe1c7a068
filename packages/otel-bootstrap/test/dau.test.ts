// Daily active users end to end: identities from a header, from a bearer JWT's `sub`, and counted across two
// replicas through Redis; the gauge in Prometheus must equal the number of distinct users sent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { type App, load, otlpEnv, startApp, startRedis, uniqueService, waitForQuery } from './helpers.ts';

const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

function dauQuery(service: string, window = 'day'): string {
  return `max(app_users_active{service_name="${service}", app_users_window="${window}"})`;
}

async function expectGauge(service: string, expected: Record<string, number>): Promise<void> {
  for (const [window, n] of Object.entries(expected)) {
    const r = await waitForQuery(dauQuery(service, window), (s) => s[0]?.value === n);
    assert.equal(r[0]?.value, n, `${window} for ${service}`);
  }
}

test('header identity: distinct users counted exactly; anonymous and 401 requests are not users', async () => {
  const service = uniqueService('dau-header');
  const app = await startApp('express.cjs', otlpEnv(service, { FOURSIGNALS_DAU_IDENTITY: 'header:x-user-id' }));
  apps.push(app);
  const users = 37;
  const res = await load(app.port, users * 3, 8, (i) => [
    'GET',
    `/api/orders/${i}`,
    { 'x-user-id': `user-${i % users}` },
  ]);
  assert.equal(res.filter((r) => r.status !== 200).length, 0);
  await load(app.port, 10, 2, (i) => ['GET', `/api/orders/${i}`]);
  await load(app.port, 5, 2, (i) => ['GET', '/auth', { 'x-user-id': `intruder-${i}` }]);
  await expectGauge(service, { day: users, week: users, month: users });
});

test('JWT identity: the sub claim, whatever the token', async () => {
  const service = uniqueService('dau-jwt');
  const app = await startApp('express.cjs', otlpEnv(service, { FOURSIGNALS_DAU_IDENTITY: 'jwt' }));
  apps.push(app);
  const token = (sub: string, n: number) =>
    `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, n })).toString('base64url')}.x`;
  // 12 users, each with 3 different tokens (new session, new token, same user).
  const res = await load(app.port, 36, 6, (i) => [
    'GET',
    '/api/orders/1',
    { authorization: token(`sub-${i % 12}`, i) },
  ]);
  assert.equal(res.filter((r) => r.status !== 200).length, 0);
  await load(app.port, 4, 2, () => ['GET', '/api/orders/1', { authorization: 'Bearer not-a-jwt' }]);
  await expectGauge(service, { day: 12 });
});

test('Redis shared store: two replicas count each user once', async (t) => {
  const service = uniqueService('dau-redis');
  const redis = await startRedis();
  t.after(redis.stop);
  const env = otlpEnv(service, {
    FOURSIGNALS_DAU_IDENTITY: 'header:x-user-id',
    FOURSIGNALS_DAU_REDIS_URL: redis.url,
    FOURSIGNALS_DAU_REDIS_KEY_PREFIX: `foursignals-test:${randomBytes(6).toString('hex')}:`,
  });
  const a = await startApp('express.cjs', env);
  const b = await startApp('express.cjs', env);
  apps.push(a, b);
  await load(a.port, 30, 4, (i) => ['GET', '/api/orders/1', { 'x-user-id': `u${i}` }]); // u0..u29
  await load(b.port, 30, 4, (i) => ['GET', '/api/orders/1', { 'x-user-id': `u${i + 20}` }]); // u20..u49
  const q = `app_users_active{service_name="${service}", app_users_window="day"}`;
  const r = await waitForQuery(q, (s) => s.length === 2 && s.every((x) => x.value === 50));
  assert.deepEqual(
    r.map((x) => x.value),
    [50, 50],
  );
  assert.doesNotMatch(a.stderr() + b.stderr(), /Redis/);
});
