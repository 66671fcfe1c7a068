// Re-records testdata/fixtures/*.json: what the client seam (src/client.ts) answers on a real broker, the local
// stack's (`npm run stack -- up rabbitmq`; FOURSIGNALS_STATE_DIR picks the stack). A scratch vhost gets a
// workload, the receiver scrapes it through a recording client. Then run `npm run goldens` at the root to rewrite
// the expected observations, and review both diffs.
//   node scripts/record-fixtures.ts
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RecordedCall, recording, stackEndpoints, writeJson } from '@foursignals/test-support';
import { connect } from 'amqplib';
import { pluginClient } from '../src/client.ts';
import type { RabbitMQConfig } from '../src/config.ts';
import { RabbitMQReceiver } from '../src/receiver.ts';

const FIXTURES = join(import.meta.dirname, '..', 'testdata', 'fixtures');
const VHOST = 'fixture';

export interface RabbitMQFixture {
  description: string;
  config: RabbitMQConfig;
  /** Date.now() at each scrape (head-message ages are measured from it). */
  scrapeTimes: number[];
  calls: RecordedCall[];
}

const e = stackEndpoints();
const amqp = new URL(e.rabbitmq_url);
const username = decodeURIComponent(amqp.username) || 'guest';
const password = decodeURIComponent(amqp.password) || 'guest';
const management = e.rabbitmq_management_url.replace(/\/$/, '');
const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

async function mgmt(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${management}/api${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
}

await mgmt('DELETE', `/vhosts/${VHOST}`);
await mgmt('PUT', `/vhosts/${VHOST}`, {});
await mgmt('PUT', `/permissions/${VHOST}/${encodeURIComponent(username)}`, {
  configure: '.*',
  write: '.*',
  read: '.*',
});
const amqpUrl = new URL(e.rabbitmq_url);
amqpUrl.pathname = `/${VHOST}`;
const conn = await connect(amqpUrl.toString());
try {
  const ch = await conn.createChannel();
  const publish = (queue: string, n: number) => {
    for (let i = 0; i < n; i++)
      ch.sendToQueue(queue, Buffer.from(`m${i}`), { timestamp: Math.floor(Date.now() / 1000) });
  };
  await ch.assertQueue('orders', { durable: true });
  await ch.assertQueue('payments', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.assertQueue('idle', { durable: true });
  publish('orders', 10);
  publish('payments', 3);
  // A consumer that holds 2 deliveries unacknowledged.
  const consumer = await conn.createChannel();
  await consumer.prefetch(2);
  await consumer.consume('payments', () => {}, { noAck: false });

  const config: RabbitMQConfig = {
    endpoint: management,
    prometheus_endpoint: (e.rabbitmq_prometheus_url ?? '').replace(/\/(metrics)?\/?$/, ''),
    amqp_endpoint: e.rabbitmq_url,
    username,
    password,
    include: [{ vhost: VHOST }],
    queue_details: true,
    dead_letters: { enabled: false },
  };
  const calls: RecordedCall[] = [];
  const receiver = new RabbitMQReceiver(
    'rabbitmq/fixture',
    config,
    recording(pluginClient(config.prometheus_endpoint), calls),
  );
  await receiver.nodeCountersRead;
  const scrapeTimes: number[] = [];
  const scrape = async () => {
    await sleep(6000); // the plugin's statistics lag the broker by its collection interval
    scrapeTimes.push(Date.now());
    await receiver.scrape({ signal: AbortSignal.timeout(15_000), warn: (m) => console.log(`  warning: ${m}`) });
  };
  await scrape();
  publish('orders', 5);
  await ch.deleteQueue('idle');
  await scrape();
  await receiver.shutdown();
  writeJson(join(FIXTURES, 'workload.json'), {
    description:
      'A classic queue with 10 ready messages, a quorum queue with a consumer holding 2 of its 3 unacknowledged, ' +
      'an idle queue; then 5 more messages and the idle queue deleted',
    config: { ...config, password: 'recorded' },
    scrapeTimes,
    calls,
  } satisfies RabbitMQFixture);
  console.log(`workload: ${calls.length} calls`);
} finally {
  await conn.close().catch(() => {});
  await mgmt('DELETE', `/vhosts/${VHOST}`);
}
