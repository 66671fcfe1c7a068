// A queue that first appears in a scrape has its dead-letter exchange tapped within that collection interval, not on
// the next queue listing (issue 15). Against the stack's real RabbitMQ: the receiver starts on an empty vhost with
// discovery and listing intervals of an hour, so only the scrape that sees the new queues can tap their DLXs. Then
// a queue with a new DLX (queue argument) and one whose new DLX comes from a policy dead-letter messages at once,
// and the dead letters by queue and reason equal what was dead-lettered and what `rabbitmqctl list_queues` shows
// in the real dead-letter queues.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { connect } from 'amqplib';
import {
  ATTR_DEAD_LETTER_REASON,
  ATTR_QUEUE,
  ATTR_VHOST,
  METRICS,
  RabbitMQReceiver,
  tapQueueName,
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
const vhost = uniqueName('fs-rmq-newq');
const instance = uniqueName('rabbitmq/newq');
const TAP_PREFIX = 'foursignals.tap';
const R = 5; // rejected from new.work (DLX by queue argument)
const E = 4; // expire in new.ttl (same DLX)
const P = 3; // rejected from new.policy (DLX by policy)

let receiver: RabbitMQReceiver;
let conn: ChannelModel | undefined;
const warnings: string[] = [];

async function open(): Promise<ConfirmChannel> {
  const u = new URL(b.amqpUrl);
  u.username = b.username;
  u.password = b.password;
  u.pathname = `/${encodeURIComponent(vhost)}`;
  conn = await connect(u.toString());
  conn.on('error', () => {});
  const ch = await conn.createConfirmChannel();
  ch.on('error', () => {});
  return ch;
}

const scrape = () => receiver.scrape(context(warnings));

function deadLetters(obs: Awaited<ReturnType<typeof scrape>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of pick(obs, METRICS.deadLettered.name, { [ATTR_VHOST]: vhost })) {
    if (o.value > 0) out[`${o.attributes[ATTR_QUEUE]}/${o.attributes[ATTR_DEAD_LETTER_REASON]}`] = o.value;
  }
  return out;
}

/** The tap queues of this receiver bound to `exchange`, as the broker has them. */
async function tapBindings(exchange: string): Promise<number> {
  const tap = tapQueueName(TAP_PREFIX, instance, exchange);
  const list = (await mgmt(
    b,
    'GET',
    `/bindings/${encodeURIComponent(vhost)}/e/${encodeURIComponent(exchange)}/q/${encodeURIComponent(tap)}`,
  )) as unknown[];
  return list.length;
}

before(async () => {
  await createVhost(b, vhost);
  receiver = new RabbitMQReceiver(
    instance,
    receiverConfig(b, {
      include: [{ vhost }],
      // Neither the periodic discovery nor the queue listing comes round during the test.
      dead_letters: { tap_prefix: TAP_PREFIX, discovery_interval: '1h', queue_listing_interval: '1h' },
    }),
  );
  await receiver.taps?.discover();
  await scrape();
});

after(async () => {
  await receiver?.shutdown();
  await closeQuietly(conn);
  await deleteVhost(b, vhost);
});

test('a queue with a new dead-letter exchange is tapped by the scrape that first sees it', async () => {
  const ch = await open();
  // The company declares new queues with new dead-letter exchanges after the receiver started.
  await ch.assertExchange('new.dlx', 'topic', { durable: true });
  await ch.assertQueue('new.dlq', { durable: true });
  await ch.bindQueue('new.dlq', 'new.dlx', '#');
  await ch.assertQueue('new.work', { durable: true, deadLetterExchange: 'new.dlx' });
  await ch.assertQueue('new.ttl', { durable: true, deadLetterExchange: 'new.dlx', messageTtl: 200 });
  await ch.assertExchange('policy.dlx', 'fanout', { durable: true });
  await ch.assertQueue('policy.dlq', { durable: true });
  await ch.bindQueue('policy.dlq', 'policy.dlx', '');
  await mgmt(b, 'PUT', `/policies/${encodeURIComponent(vhost)}/new-dlx`, {
    pattern: '^new\\.policy$',
    definition: { 'dead-letter-exchange': 'policy.dlx' },
    'apply-to': 'queues',
  });
  await ch.assertQueue('new.policy', { durable: true });

  // Scrapes, as the collector's interval would, until one has seen the new queues (the broker emits a new queue's
  // stats within 5 s); that scrape taps their dead-letter exchanges.
  await eventually(
    async () => pick(await scrape(), METRICS.queueMessages.name, { [ATTR_VHOST]: vhost, [ATTR_QUEUE]: 'new.policy' }),
    (o) => o.length > 0,
  );
  const bound = await eventually(
    async () => [await tapBindings('new.dlx'), await tapBindings('policy.dlx')],
    (n) => n[0] === 1 && n[1] === 1,
  );
  assert.deepEqual(bound, [1, 1], 'the new dead-letter exchanges were not tapped after the scrape that saw the queues');
  await eventually(
    async () => receiver.taps?.ready(),
    (r) => r === true,
  );

  // Dead-letter at once.
  const publish = async (queue: string, n: number) => {
    for (let i = 0; i < n; i++) ch.sendToQueue(queue, Buffer.from(`${queue}-${i}`), { persistent: true });
    await ch.waitForConfirms();
  };
  const reject = async (queue: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const m = await ch.get(queue, { noAck: false });
      assert.ok(m, `${queue} ran dry after ${i} of ${n}`);
      ch.nack(m, false, false);
    }
  };
  await publish('new.work', R);
  await reject('new.work', R);
  await publish('new.ttl', E);
  await publish('new.policy', P);
  await reject('new.policy', P);

  const expected = { 'new.work/rejected': R, 'new.ttl/expired': E, 'new.policy/rejected': P };
  const got = await eventually(
    async () => deadLetters(await scrape()),
    (d) => same(d, expected),
  );
  assert.deepEqual(got, expected);
  // The independent count: what the real dead-letter queues hold, per rabbitmqctl.
  const ctl = await eventually(
    async () => Object.fromEntries(listQueues(vhost).map((q) => [q.name, q.messages_ready])),
    (q) => q['new.dlq'] === R + E && q['policy.dlq'] === P,
  );
  assert.equal(ctl['new.dlq'], got['new.work/rejected']! + got['new.ttl/expired']!);
  assert.equal(ctl['policy.dlq'], got['new.policy/rejected']);
  assert.deepEqual(warnings, []);
});
