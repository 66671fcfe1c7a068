// The scenario against a real RabbitMQ 3.10 (the stack's node): publish N, ack A, leave U unacked,
// reject R, let E expire, overflow M past a max-length, exceed a quorum delivery limit D; then the receiver's queue
// depths equal `rabbitmqctl list_queues` exactly, dead letters by reason and queue equal R, E, M, D exactly, the
// real dead-letter queues still hold every message, and the per-reason totals agree with the broker's global
// counters. Then the broker restarts mid-test, more messages die (some while the receiver is still reconnecting),
// and every count is still exact: nothing lost, nothing counted twice.
//
// Every step runs on a classic and on a quorum queue. The stack's broker is shared (the demo company dead-letters
// orders on classic queues all the time), so the comparison with the broker's global counters, which have no vhost
// or queue, uses the quorum-queue counters: only this test dead-letters from quorum queues.
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

const N = 20; // published to each work queue
const A = 6; // acked
const R = 4; // rejected (requeue=false)
const U = 5; // left unacknowledged
const E = 7; // expire in each ttl queue (their DLX comes from a policy)
const MAXLEN = 3;
const M = 5; // overflow each bounded queue (max-length 3, drop-head) by M
const D = 3; // exceed the delivery limit of quorum orders.quorum
const R2 = 3; // rejected right after the broker restart
const E2 = 2; // expired right after the broker restart

/** The same queues once per type: `orders.work` and `orders.q.work`, ... */
const TYPES = [
  { p: 'orders.', args: {} },
  { p: 'orders.q.', args: { 'x-queue-type': 'quorum' } },
] as const;
const QUORUM_QUEUES = ['orders.q.work', 'orders.q.ttl', 'orders.q.bounded', 'orders.quorum'];

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

/** Dead letters counted so far, by `queue/reason` (the zero-valued series seeded before any dead letter left out). */
function deadLetters(obs: Awaited<ReturnType<typeof scrape>>, withZeros = false): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of pick(obs, METRICS.deadLettered.name, { [ATTR_VHOST]: vhost })) {
    if (o.value === 0 && !withZeros) continue;
    out[`${o.attributes[ATTR_QUEUE]}/${o.attributes[ATTR_DEAD_LETTER_REASON]}`] = o.value;
  }
  return out;
}

/** Receiver totals per reason over this test's quorum queues (compared with the broker's quorum counters). */
function totalsByReason(obs: Awaited<ReturnType<typeof scrape>>): Record<string, number> {
  const out: Record<string, number> = { expired: 0, rejected: 0, maxlen: 0, delivery_limit: 0 };
  for (const o of pick(obs, METRICS.deadLettered.name, { [ATTR_VHOST]: vhost })) {
    if (!QUORUM_QUEUES.includes(String(o.attributes[ATTR_QUEUE]))) continue;
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

/** rabbitmqctl's view of this scenario's queues (other receivers may tap this vhost too: their taps are left out). */
function ctlDepths(names: Set<string>): Depths {
  const out: Depths = {};
  for (const q of listQueues(vhost)) {
    if (!names.has(q.name)) continue;
    out[q.name] = { ready: q.messages_ready, unacked: q.messages_unacknowledged, consumers: q.consumers };
  }
  return out;
}

function only(d: Depths, names: Set<string>): Depths {
  return Object.fromEntries(Object.entries(d).filter(([name]) => names.has(name)));
}

/**
 * rabbitmqctl must show the scenario's depths, and the receiver must then show rabbitmqctl's. Both are polled:
 * for quorum queues rabbitmqctl itself reads the periodically published queue stats, and the plugin's per-queue
 * stats are emitted by each queue every 5 s.
 */
async function assertDepthsMatchRabbitmqctl(expected: Depths): Promise<void> {
  const names = new Set(Object.keys(expected));
  const fromCtl = await eventually(
    async () => ctlDepths(names),
    (d) => same(d, expected),
  );
  assert.deepEqual(fromCtl, expected, 'rabbitmqctl disagrees with the scenario itself');
  const got = await eventually(
    async () => receiverDepths(await scrape()),
    (d) => same(only(d, names), ctlDepths(names)),
    45_000,
  );
  assert.deepEqual(only(got, names), ctlDepths(names));
  // Nothing else of this vhost is reported but other receivers' taps (never this receiver's own).
  const extra = Object.keys(got).filter((n) => !names.has(n));
  assert.ok(
    extra.every((n) => n.includes('.tap.') && !n.startsWith(`${TAP_PREFIX}.`)),
    `unexpected queues reported: ${extra.join(', ')}`,
  );
}

async function assertTotalsMatchBroker(g0: Record<string, number>, t0: Record<string, number>): Promise<void> {
  // Read the broker, then the receiver, then the broker again: equal when nothing else died in between.
  let last: { broker: Record<string, number>; receiver: Record<string, number> } | undefined;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const g1 = await globalDeadLetters(b, 'rabbit_quorum_queue');
    const t1 = totalsByReason(await scrape());
    const g2 = await globalDeadLetters(b, 'rabbit_quorum_queue');
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
  await mgmt(b, 'PUT', `/policies/${encodeURIComponent(vhost)}/ttl-dlx`, {
    pattern: '^orders\\.(q\\.)?ttl$',
    definition: { 'dead-letter-exchange': 'orders.dlx' },
    'apply-to': 'queues',
  });
  for (const { p, args } of TYPES) {
    await ch.assertQueue(`${p}work`, { durable: true, deadLetterExchange: 'orders.dlx', arguments: args });
    await ch.assertQueue(`${p}ttl`, { durable: true, messageTtl: 300, arguments: args });
    await ch.assertQueue(`${p}bounded`, {
      durable: true,
      maxLength: MAXLEN,
      deadLetterExchange: 'bounded.dlx',
      deadLetterRoutingKey: 'bounded',
      arguments: { ...args, 'x-overflow': 'drop-head' },
    });
  }
  await ch.assertQueue('orders.quorum', {
    durable: true,
    deadLetterExchange: 'orders.dlx',
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1 },
  });
  await ch.assertQueue('orders.idle', { durable: true });
  await c.close();

  receiver = new RabbitMQReceiver(
    instance,
    receiverConfig(b, { include: [{ vhost }], dead_letters: { tap_prefix: TAP_PREFIX, discovery_interval: '5s' } }),
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
  // Before any dead letter: a 0 for every reason each dead-lettering queue can die of (delivery_limit only on
  // quorum queues), so that `increase()` sees the first one.
  const seeds = deadLetters(await scrape(), true);
  const seeded = (q: string, quorum: boolean) =>
    (quorum ? ['expired', 'rejected', 'maxlen', 'delivery_limit'] : ['expired', 'rejected', 'maxlen']).map((r) => [
      `${q}/${r}`,
      0,
    ]);
  assert.deepEqual(
    seeds,
    Object.fromEntries([
      ...['orders.work', 'orders.ttl', 'orders.bounded'].flatMap((q) => seeded(q, false)),
      ...['orders.q.work', 'orders.q.ttl', 'orders.q.bounded', 'orders.quorum'].flatMap((q) => seeded(q, true)),
    ]),
  );

  const g0 = await globalDeadLetters(b, 'rabbit_quorum_queue');
  const t0 = totalsByReason(await scrape());

  const opened = await open();
  conn = opened.conn;
  const ch = opened.ch;
  for (const { p } of TYPES) {
    await publish(ch, `${p}work`, N, `${p}work`);
    await publish(ch, `${p}ttl`, E, `${p}ttl`);
    await publish(ch, `${p}bounded`, MAXLEN + M, `${p}bounded`);
    const got = await get(ch, `${p}work`, A + R + U);
    for (const m of got.slice(0, A)) ch.ack(m);
    for (const m of got.slice(A, A + R)) ch.nack(m, false, false);
    // got.slice(A + R) stays unacknowledged while this connection lives.
  }
  await publish(ch, 'orders.quorum', D, 'quorum');
  await rejectUntilDeadLettered(ch, 'orders.quorum');
  const idle = await open();
  idleConn = idle.conn;
  await idle.ch.consume('orders.idle', () => {});
  await idle.ch.consume('orders.idle', () => {});

  const expected: Record<string, number> = { 'orders.quorum/delivery_limit': D };
  for (const { p } of TYPES) {
    expected[`${p}work/rejected`] = R;
    expected[`${p}ttl/expired`] = E;
    expected[`${p}bounded/maxlen`] = M;
  }
  const dl = await eventually(
    async () => deadLetters(await scrape()),
    (d) => same(d, expected),
  );
  assert.deepEqual(dl, expected);

  const depths: Depths = {
    'orders.quorum': { ready: 0, unacked: 0, consumers: 0 },
    'orders.idle': { ready: 0, unacked: 0, consumers: 2 },
    // The real dead-letter queues still hold every message: the receiver never consumes them.
    'orders.dlq': { ready: 2 * (R + E) + D, unacked: 0, consumers: 0 },
    'bounded.dlq': { ready: 2 * M, unacked: 0, consumers: 0 },
  };
  for (const { p, args } of TYPES) {
    // A quorum queue counts each message fetched with basic.get and not yet settled as a consumer.
    const getConsumers = 'x-queue-type' in args ? U : 0;
    depths[`${p}work`] = { ready: N - A - R - U, unacked: U, consumers: getConsumers };
    depths[`${p}ttl`] = { ready: 0, unacked: 0, consumers: 0 };
    depths[`${p}bounded`] = { ready: MAXLEN, unacked: 0, consumers: 0 };
  }
  await assertDepthsMatchRabbitmqctl(depths);
  const obs = await scrape();
  assert.deepEqual(
    pick(obs, METRICS.deadLetterQueueMessages.name, { [ATTR_VHOST]: vhost })
      .map((o) => `${o.attributes[ATTR_QUEUE]}<-${o.attributes[ATTR_DEAD_LETTER_EXCHANGE]}=${o.value}`)
      .sort(),
    [`bounded.dlq<-bounded.dlx=${2 * M}`, `orders.dlq<-orders.dlx=${2 * (R + E) + D}`],
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
  const g0r = await globalDeadLetters(b, 'rabbit_quorum_queue');
  const t0r = totalsByReason(before);
  conn = undefined;
  idleConn = undefined;
  const again = await open();
  conn = again.conn;
  // Straight away: the receiver's tap connection is most likely still backing off.
  for (const { p } of TYPES) {
    const got2 = await get(again.ch, `${p}work`, R2);
    for (const m of got2) again.ch.nack(m, false, false);
    await publish(again.ch, `${p}ttl`, E2, `${p}ttl2`);
  }

  const expected2 = { ...expected };
  for (const { p } of TYPES) {
    expected2[`${p}work/rejected`] = R + R2;
    expected2[`${p}ttl/expired`] = E + E2;
  }
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
  const depths2: Depths = {
    ...depths,
    'orders.idle': { ready: 0, unacked: 0, consumers: 0 },
    'orders.dlq': { ready: 2 * (R + R2 + E + E2) + D, unacked: 0, consumers: 0 },
  };
  for (const { p } of TYPES) depths2[`${p}work`] = { ready: N - A - R - R2, unacked: 0, consumers: 0 };
  await assertDepthsMatchRabbitmqctl(depths2);
  await assertTotalsMatchBroker(g0r, t0r);
});
