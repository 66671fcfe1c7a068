// Queue selection by vhost/name patterns, the hard cap with its warning, and the least-privilege monitoring
// user of the README: it counts dead letters through its tap but cannot read the real dead-letter queue.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect } from 'amqplib';
import {
  ATTR_DEAD_LETTER_REASON,
  ATTR_MESSAGE_STATE,
  ATTR_QUEUE,
  ATTR_VHOST,
  METRICS,
  RabbitMQReceiver,
} from '../src/index.ts';
import {
  broker,
  closeQuietly,
  context,
  createVhost,
  deleteVhost,
  eventually,
  listQueues,
  mgmt,
  pick,
  receiverConfig,
  same,
  uniqueName,
} from './helpers.ts';

const b = broker();

function amqpUrl(vhost: string, user = b.username, password = b.password): string {
  const u = new URL(b.amqpUrl);
  u.username = user;
  u.password = password;
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return u.toString();
}

test('include/exclude patterns and the max_queues cap: old series keep their place, a warning is logged', async (t) => {
  const vhost = uniqueName('fs-rmq-select');
  await createVhost(b, vhost);
  const conn = await connect(amqpUrl(vhost));
  conn.on('error', () => {});
  const ch = await conn.createConfirmChannel();
  for (const q of ['a1', 'a2', 'a3', 'a4', 'a5', 'b1']) await ch.assertQueue(q);
  ch.sendToQueue('a2', Buffer.from('x'));
  await ch.waitForConfirms();

  const receiver = new RabbitMQReceiver(
    'rabbitmq/select',
    receiverConfig(b, {
      include: [{ vhost, queue: 'a.*' }],
      exclude: [{ queue: 'a5' }],
      max_queues: 3,
      node_counters: false,
      dead_letters: { enabled: false },
    }),
  );
  t.after(async () => {
    await receiver.shutdown();
    await closeQuietly(conn);
    await deleteVhost(b, vhost);
  });
  const warnings: string[] = [];
  const names = (obs: Awaited<ReturnType<RabbitMQReceiver['scrape']>>) =>
    [
      ...new Set(
        pick(obs, METRICS.queueMessages.name).map((o) => `${o.attributes[ATTR_VHOST]}/${o.attributes[ATTR_QUEUE]}`),
      ),
    ].sort();
  const count = (obs: Awaited<ReturnType<RabbitMQReceiver['scrape']>>) =>
    pick(obs, METRICS.queueCount.name).map((o) => `${o.attributes['rabbitmq.queue.selection']}=${o.value}`);

  const a2Ready = (o: Awaited<ReturnType<RabbitMQReceiver['scrape']>>) =>
    pick(o, METRICS.queueMessages.name, { [ATTR_QUEUE]: 'a2', [ATTR_MESSAGE_STATE]: 'ready' })[0]?.value;
  // The plugin's per-queue stats are emitted every 5 s by the queues themselves: wait for the published message.
  const first = await eventually(
    () => receiver.scrape(context(warnings)),
    (o) => names(o).length === 3 && a2Ready(o) === 1,
  );
  assert.deepEqual(names(first), [`${vhost}/a1`, `${vhost}/a2`, `${vhost}/a3`]);
  assert.deepEqual(count(first), ['reported=3', 'dropped=1']);
  assert.equal(a2Ready(first), 1);
  assert.equal(warnings.filter((w) => w.includes('max_queues')).length, 1, warnings.join('\n'));

  await ch.deleteQueue('a1');
  const second = await eventually(
    () => receiver.scrape(context(warnings)),
    (o) => same(names(o), [`${vhost}/a2`, `${vhost}/a3`, `${vhost}/a4`]),
  );
  assert.deepEqual(names(second), [`${vhost}/a2`, `${vhost}/a3`, `${vhost}/a4`]);
  assert.deepEqual(count(second), ['reported=3', 'dropped=0']);
});

test('the documented least-privilege user counts dead letters through its tap and cannot read the real DLQ', async (t) => {
  const vhost = uniqueName('fs-rmq-privs');
  const user = uniqueName('fs-rmq-monitor');
  const password = randomBytes(12).toString('hex');
  await createVhost(b, vhost);
  // What the README tells an operator to run (rabbitmqctl add_user / set_user_tags / set_permissions).
  await mgmt(b, 'PUT', `/users/${encodeURIComponent(user)}`, { password, tags: 'monitoring' });
  await mgmt(b, 'PUT', `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
    configure: '^foursignals\\.tap\\.',
    write: '^foursignals\\.tap\\.',
    read: '^(foursignals\\.tap\\..*|mon\\.dlx)$',
  });

  const admin = await connect(amqpUrl(vhost));
  admin.on('error', () => {});
  let mon: Awaited<ReturnType<typeof connect>> | undefined;
  let receiver: RabbitMQReceiver | undefined;
  t.after(async () => {
    await receiver?.shutdown();
    await closeQuietly(mon);
    await closeQuietly(admin);
    await deleteVhost(b, vhost);
    await mgmt(b, 'DELETE', `/users/${encodeURIComponent(user)}`);
  });
  const ch = await admin.createConfirmChannel();
  await ch.assertExchange('mon.dlx', 'fanout');
  await ch.assertQueue('mon.dlq');
  await ch.bindQueue('mon.dlq', 'mon.dlx', '');
  await ch.assertQueue('mon.work', { deadLetterExchange: 'mon.dlx' });

  const rcv = new RabbitMQReceiver(
    'rabbitmq/privs',
    receiverConfig(b, {
      username: user,
      password,
      include: [{ vhost }],
      node_counters: false,
      // The large-broker mode: fixed dead-letter exchanges, no queue listing (the scenario test covers listing).
      dead_letters: { exchanges: [{ vhost, exchange: 'mon.dlx' }] },
    }),
  );
  receiver = rcv;
  await rcv.taps!.discover();
  await eventually(
    async () => rcv.taps!.ready(),
    (r) => r,
  );
  assert.deepEqual(rcv.taps!.connections(), [{ vhost, connected: true }]);

  for (let i = 0; i < 3; i++) ch.sendToQueue('mon.work', Buffer.from(`m${i}`));
  await ch.waitForConfirms();
  for (let i = 0; i < 2; i++) {
    const m = await ch.get('mon.work', { noAck: false });
    assert.ok(m);
    ch.nack(m, false, false);
  }
  const dl = await eventually(
    async () => pick(await rcv.scrape(context()), METRICS.deadLettered.name, { [ATTR_VHOST]: vhost }),
    (o) => o.length === 1 && o[0]!.value === 2,
  );
  assert.deepEqual(
    dl.map((o) => [o.attributes[ATTR_QUEUE], o.attributes[ATTR_DEAD_LETTER_REASON], o.value]),
    [['mon.work', 'rejected', 2]],
  );

  // The monitoring user may not consume (nor even passively inspect) the company's dead-letter queue.
  mon = await connect(amqpUrl(vhost, user, password));
  mon.on('error', () => {});
  const monCh = await mon.createChannel();
  monCh.on('error', () => {});
  await assert.rejects(monCh.get('mon.dlq'), /ACCESS_REFUSED|403/);
  assert.deepEqual(
    listQueues(vhost).find((x) => x.name === 'mon.dlq'),
    { name: 'mon.dlq', messages_ready: 2, messages_unacknowledged: 0, consumers: 0 },
  );
});
