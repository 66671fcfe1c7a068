// The scenario against a real RabbitMQ 3.10 (the stack's node): publish N, ack A, leave U unacked,
// reject R, let E expire, overflow M past a max-length, exceed a quorum delivery limit D; then the receiver's queue
// depths equal `rabbitmqctl list_queues` exactly, dead letters by reason and queue equal R, E, M, D exactly, the
// real dead-letter queues still hold every message, and the per-reason totals agree with the broker's global
// counters. Then the broker restarts mid-test, more messages die (some while the receiver is still reconnecting),
// and every count is still exact: nothing lost, nothing counted twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Channel, type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import {
  ATTR_DEAD_LETTER_EXCHANGE,
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
  globalDeadLetters,
  listQueues,
  mgmt,
  pick,
  receiverConfig,
  restartBroker,
  same,
  sleep,
  uniqueName,
} from './helpers.ts';

const b = broker();
const vhost = uniqueName('fs-rmq-scenario');
const instance = uniqueName('rabbitmq/scenario');
const TAP_PREFIX = 'foursignals.tap';

const N = 20; // published to orders.work
const A = 6; // acked
const R = 4; // rejected (requeue=false)
const U = 5; // left unacknowledged
const E = 7; // expire in orders.ttl (its DLX comes from a policy)
const MAXLEN = 3;
const M = 5; // overflow orders.bounded (max-length 3, drop-head) by M
const D = 3; // exceed the delivery limit of quorum orders.quorum
const R2 = 3; // rejected right after the broker restart
const E2 = 2; // expired right after the broker restart

let receiver: RabbitMQReceiver;
let conn: ChannelModel | undefined;
let idleConn: ChannelModel | undefined;

async function open(): Promise<{ conn: ChannelModel; ch: ConfirmChannel }> {
  const u = new URL(b.amqpUrl);
  u.username = b.username;
  u.password = b.password;
  u.pathname = `/${encodeURIComponent(vhost)}`;
  const c = await connect(u.toString());
  c.on('error', () => {});
  const ch = await c.createConfirmChannel();
  ch.on('error', () => {});
  return { conn: c, ch };
}

async function publish(ch: ConfirmChannel, queue: string, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ queue, tag, i })), {
      persistent: true,
      messageId: `${tag}-${i}`,
    });
  }
  await ch.waitForConfirms();
}

/** basic.get n messages (manual ack); fails if the queue runs dry. */
async function get(ch: Channel, queue: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const m = await ch.get(queue, { noAck: false });
    assert.ok(m, `${queue} ran dry after ${i} of ${n}`);
    out.push(m);
  }
  return out;
}

async function rejectUntilDeadLettered(ch: Channel, queue: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const m = await ch.get(queue, { noAck: false });
    if (!m) return;
    ch.nack(m, false, true);
  }
  throw new Error(`${queue} never emptied`);
}

async function scrape() {
  return receiver.scrape(context());
}

function deadLetters(obs: Awaited<ReturnType<typeof scrape>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of pick(obs, METRICS.deadLettered.name, { [ATTR_VHOST]: vhost })) {
    out[`${o.attributes[ATTR_QUEUE]}/${o.attributes[ATTR_DEAD_LETTER_REASON]}`] = o.value;
  }
  return out;
}

/** Receiver totals per reason over every vhost (the broker's counters have no vhost). */
function totalsByReason(obs: Awaited<ReturnType<typeof scrape>>): Record<string, number> {
  const out: Record<string, number> = { expired: 0, rejected: 0, maxlen: 0, delivery_limit: 0 };
  for (const o of pick(obs, METRICS.deadLettered.name)) {
    const r = String(o.attributes[ATTR_DEAD_LETTER_REASON]);
    out[r] = (out[r] ?? 0) + o.value;
  }
  return out;
}

function minus(a: Record<string, number>, b0: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b0[k] ?? 0)]));
}

type Depths = Record<string, { ready: number; unacked: number; consumers: number }>;

function receiverDepths(obs: Awaited<ReturnType<typeof scrape>>): Depths {
  const out: Depths = {};
  const row = (q: string) => {
    out[q] ??= { ready: Number.NaN, unacked: Number.NaN, consumers: Number.NaN };
    return out[q];
  };
  for (const o of pick(obs, METRICS.queueMessages.name, { [ATTR_VHOST]: vhost })) {
    const r = row(String(o.attributes[ATTR_QUEUE]));
    if (o.attributes[ATTR_MESSAGE_STATE] === 'ready') r.ready = o.value;
    else r.unacked = o.value;
  }
  for (const o of pick(obs, METRICS.queueConsumers.name, { [ATTR_VHOST]: vhost })) {
    row(String(o.attributes[ATTR_QUEUE])).consumers = o.value;
  }
  return out;
}

function ctlDepths(): Depths {
  const out: Depths = {};
  for (const q of listQueues(vhost)) {
    if (q.name.startsWith(`${TAP_PREFIX}.`)) continue;
    out[q.name] = { ready: q.messages_ready, unacked: q.messages_unacknowledged, consumers: q.consumers };
  }
  return out;
}

/** Polls the receiver until its depths equal rabbitmqctl's (the plugin's stats lag ~5 s), then asserts exactly. */
async function assertDepthsMatchRabbitmqctl(expected: Depths): Promise<void> {
  assert.deepEqual(ctlDepths(), expected, 'rabbitmqctl disagrees with the scenario itself');
  const got = await eventually(
    async () => receiverDepths(await scrape()),
    (d) => same(d, ctlDepths()),
    45_000,
  );
  const ctl = ctlDepths();
  assert.deepEqual(got, ctl);
}

async function assertTotalsMatchBroker(g0: Record<string, number>, t0: Record<string, number>): Promise<void> {
  // Read the broker, then the receiver, then the broker again: equal when nothing else died in between.
  let last: { broker: Record<string, number>; receiver: Record<string, number> } | undefined;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const g1 = await globalDeadLetters(b);
    const t1 = totalsByReason(await scrape());
    const g2 = await globalDeadLetters(b);
    last = { broker: minus(g2, g0), receiver: minus(t1, t0) };
    if (same(g1, g2) && same(last.broker, last.receiver)) break;
    await sleep(500);
  }
  assert.deepEqual(last?.receiver, last?.broker, 'per-reason totals differ from the global dead-letter counters');
}

before(async () => {
  await createVhost(b, vhost);
  const { conn: c, ch } = await open();
  await ch.assertExchange('orders.dlx', 'topic', { durable: true });
  await ch.assertQueue('orders.dlq', { durable: true });
  await ch.bindQueue('orders.dlq', 'orders.dlx', '#');
  await ch.assertExchange('bounded.dlx', 'direct', { durable: true });
  await ch.assertQueue('bounded.dlq', { durable: true });
  await ch.bindQueue('bounded.dlq', 'bounded.dlx', 'bounded');
  await ch.assertQueue('orders.work', { durable: true, deadLetterExchange: 'orders.dlx' });
  await mgmt(b, 'PUT', `/policies/${encodeURIComponent(vhost)}/ttl-dlx`, {
    pattern: '^orders\\.ttl$',
    definition: { 'dead-letter-exchange': 'orders.dlx' },
    'apply-to': 'queues',
  });
  await ch.assertQueue('orders.ttl', { durable: true, messageTtl: 300 });
  await ch.assertQueue('orders.bounded', {
    durable: true,
    maxLength: MAXLEN,
    deadLetterExchange: 'bounded.dlx',
    deadLetterRoutingKey: 'bounded',
  });
  await ch.assertQueue('orders.quorum', {
    durable: true,
    deadLetterExchange: 'orders.dlx',
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1 },
  });
  await ch.assertQueue('orders.idle', { durable: true });
  await c.close();

  // Every vhost: the broker's global counters have no vhost, so the cross-check needs every dead letter.
  receiver = new RabbitMQReceiver(
    instance,
    receiverConfig(b, { dead_letters: { tap_prefix: TAP_PREFIX, discovery_interval: '5s' } }),
  );
  await receiver.taps!.discover();
  await eventually(
    async () => receiver.taps!.ready(),
    (r) => r,
  );
});

after(async () => {
  await receiver?.shutdown();
  await closeQuietly(conn);
  await closeQuietly(idleConn);
  await deleteVhost(b, vhost);
  // Taps this instance made in other vhosts (their dead-letter exchanges were tapped too).
  const tapPrefix = `${TAP_PREFIX}.${instance.replace(/[^A-Za-z0-9_-]/g, '_')}.`;
  const queues = (await mgmt(b, 'GET', '/queues?disable_stats=true&columns=vhost,name')) as {
    vhost: string;
    name: string;
  }[];
  for (const q of queues.filter((x) => x.name.startsWith(tapPrefix))) {
    await mgmt(b, 'DELETE', `/queues/${encodeURIComponent(q.vhost)}/${encodeURIComponent(q.name)}`);
  }
});

test('depths equal rabbitmqctl, dead letters equal R/E/M/D, DLQs keep every message, totals match the broker; across a restart', async () => {
  const g0 = await globalDeadLetters(b);
  const t0 = totalsByReason(await scrape());

  const opened = await open();
  conn = opened.conn;
  const ch = opened.ch;
  await publish(ch, 'orders.work', N, 'work');
  await publish(ch, 'orders.ttl', E, 'ttl');
  await publish(ch, 'orders.bounded', MAXLEN + M, 'bounded');
  await publish(ch, 'orders.quorum', D, 'quorum');
  const got = await get(ch, 'orders.work', A + R + U);
  for (const m of got.slice(0, A)) ch.ack(m);
  for (const m of got.slice(A, A + R)) ch.nack(m, false, false);
  // got.slice(A + R) stays unacknowledged while this connection lives.
  await rejectUntilDeadLettered(ch, 'orders.quorum');
  const idle = await open();
  idleConn = idle.conn;
  await idle.ch.consume('orders.idle', () => {});
  await idle.ch.consume('orders.idle', () => {});

  const expected = {
    'orders.work/rejected': R,
    'orders.ttl/expired': E,
    'orders.bounded/maxlen': M,
    'orders.quorum/delivery_limit': D,
  };
  const dl = await eventually(
    async () => deadLetters(await scrape()),
    (d) => same(d, expected),
  );
  assert.deepEqual(dl, expected);

  const depths: Depths = {
    'orders.work': { ready: N - A - R - U, unacked: U, consumers: 0 },
    'orders.ttl': { ready: 0, unacked: 0, consumers: 0 },
    'orders.bounded': { ready: MAXLEN, unacked: 0, consumers: 0 },
    'orders.quorum': { ready: 0, unacked: 0, consumers: 0 },
    'orders.idle': { ready: 0, unacked: 0, consumers: 2 },
    // The real dead-letter queues still hold every message: the receiver never consumes them.
    'orders.dlq': { ready: R + E + D, unacked: 0, consumers: 0 },
    'bounded.dlq': { ready: M, unacked: 0, consumers: 0 },
  };
  await assertDepthsMatchRabbitmqctl(depths);
  const obs = await scrape();
  assert.deepEqual(
    pick(obs, METRICS.deadLetterQueueMessages.name, { [ATTR_VHOST]: vhost })
      .map((o) => `${o.attributes[ATTR_QUEUE]}<-${o.attributes[ATTR_DEAD_LETTER_EXCHANGE]}=${o.value}`)
      .sort(),
    [`bounded.dlq<-bounded.dlx=${M}`, `orders.dlq<-orders.dlx=${R + E + D}`],
  );
  await assertTotalsMatchBroker(g0, t0);

  // Broker restart: the receiver reports the target down (the runtime turns that into receiver.up = 0) and the
  // taps disconnected; the unacknowledged messages go back to ready with our connection.
  const before = await scrape();
  let sawDown = false;
  let sawTapDown = false;
  const restarting = restartBroker();
  let done = false;
  restarting.finally(() => {
    done = true;
  });
  while (!done) {
    try {
      const o = await receiver.scrape(context());
      if (pick(o, METRICS.tapConnected.name, { [ATTR_VHOST]: vhost }).some((x) => x.value === 0)) sawTapDown = true;
    } catch {
      sawDown = true;
    }
    await sleep(200);
  }
  await restarting;
  assert.ok(sawDown, 'no scrape failed while the broker was down');
  const down = receiver.taps!.connections().find((c) => c.vhost === vhost);
  sawTapDown ||= down?.connected === false;

  // The broker's counters restart from zero; ours must not.
  const g0r = await globalDeadLetters(b);
  const t0r = totalsByReason(before);
  conn = undefined;
  idleConn = undefined;
  const again = await open();
  conn = again.conn;
  // Straight away: the receiver's tap connection is most likely still backing off.
  const got2 = await get(again.ch, 'orders.work', R2);
  for (const m of got2) again.ch.nack(m, false, false);
  await publish(again.ch, 'orders.ttl', E2, 'ttl2');

  const expected2 = { ...expected, 'orders.work/rejected': R + R2, 'orders.ttl/expired': E + E2 };
  const dl2 = await eventually(
    async () => deadLetters(await scrape()),
    (d) => same(d, expected2),
    60_000,
  );
  assert.deepEqual(dl2, expected2);
  assert.ok(sawTapDown, 'the tap connection never reported down during the restart');
  assert.equal(
    pick(await scrape(), METRICS.tapConnected.name, { [ATTR_VHOST]: vhost })[0]?.value,
    1,
    'tap connection back up',
  );
  await assertDepthsMatchRabbitmqctl({
    ...depths,
    'orders.work': { ready: N - A - R - R2, unacked: 0, consumers: 0 },
    'orders.idle': { ready: 0, unacked: 0, consumers: 0 },
    'orders.dlq': { ready: R + R2 + E + E2 + D, unacked: 0, consumers: 0 },
  });
  await assertTotalsMatchBroker(g0r, t0r);
});
