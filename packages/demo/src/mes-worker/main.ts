// MES worker: consumes `mes.cost-calculation`, runs the cost calculation (real CPU work) and writes the result to
// the MES DB. An order it cannot calculate is rejected without requeue: RabbitMQ dead-letters it (reason rejected).
// The worker-stop fault cancels the consumer (the backlog grows, then expires); switching it off resumes.
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { Amqp } from '../common/amqp.ts';
import { businessCounter } from '../common/business.ts';
import { Db, ensureSchema } from '../common/db.ts';
import { readServiceEnv } from '../common/env.ts';
import { FaultWatcher } from '../common/faults.ts';
import { MES_QUEUE } from '../common/topology.ts';
import { MES_SCHEMA, MES_SCHEMA_LOCK } from '../mes-api/schema.ts';
import { calculateCost, checkShape, invalidReason } from './costing.ts';

const SERVICE = 'mes-worker';
const PREFETCH = 4;
const env = readServiceEnv();
let consumerTag: string | undefined;
let channel: ConfirmChannel | undefined;
const faults = new FaultWatcher(env.faultsFile, () => void syncConsumer());
const db = new Db(env.mesDatabaseUrl, faults, 4);
const calculated = businessCounter('mesOrdersCalculated');

/**
 * Once a minute the worker re-reads its machine rates (a stand-in for a sync with the ERP) and holds calculations
 * for a few seconds meanwhile. Orders wait in the queue; urgent ones whose deadline passes there expire (dead
 * letters, reason expired): the everyday trickle of expired orders. The consumer stays registered throughout.
 */
const RATES_SYNC_EVERY_MS = 60_000;
const RATES_SYNC_MS = 8_000;
let ratesSyncUntil = 0;
setInterval(() => {
  ratesSyncUntil = Date.now() + RATES_SYNC_MS;
}, RATES_SYNC_EVERY_MS).unref();

await ensureSchema(db.pool, MES_SCHEMA_LOCK, MES_SCHEMA);

async function handle(ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
  const hold = ratesSyncUntil - Date.now();
  if (hold > 0) await new Promise((r) => setTimeout(r, hold));
  let body: unknown;
  try {
    body = JSON.parse(msg.content.toString('utf8'));
  } catch {
    ch.nack(msg, false, false);
    return;
  }
  const id = Number((body as { id?: unknown }).id);
  const spec = checkShape(body);
  const reason = typeof spec === 'string' ? spec : invalidReason(spec);
  if (typeof spec === 'string' || reason !== undefined || !Number.isInteger(id)) {
    if (Number.isInteger(id))
      await db.query("UPDATE orders SET status = 'rejected', reject_reason = $2 WHERE id = $1", [id, reason]);
    ch.nack(msg, false, false);
    return;
  }
  const result = calculateCost(spec, id);
  await db.query("UPDATE orders SET status = 'calculated', result = $2, calculated_at = now() WHERE id = $1", [
    id,
    JSON.stringify(result),
  ]);
  calculated.add(1);
  ch.ack(msg);
}

/** Serialised: a fault flip and a reconnect arriving together must not start two consumers. */
let syncing: Promise<void> = Promise.resolve();
function syncConsumer(): Promise<void> {
  syncing = syncing.then(doSyncConsumer, doSyncConsumer);
  return syncing;
}

async function doSyncConsumer(): Promise<void> {
  const ch = channel;
  if (!ch) return;
  try {
    if (faults.current.workerStop && consumerTag) {
      const tag = consumerTag;
      consumerTag = undefined;
      await ch.cancel(tag);
      console.log(`${SERVICE}: consumer stopped (fault worker-stop)`);
    } else if (!faults.current.workerStop && !consumerTag) {
      const ok = await ch.consume(MES_QUEUE, (msg) => {
        if (!msg) return;
        handle(ch, msg).catch((err) => {
          console.error(`${SERVICE}: order failed: ${(err as Error).message}`);
          // a database hiccup is not the order's fault: try it again later
          setTimeout(() => {
            try {
              ch.nack(msg, false, true);
            } catch {}
          }, 1000);
        });
      });
      consumerTag = ok.consumerTag;
      console.log(`${SERVICE}: consuming ${MES_QUEUE}`);
    }
  } catch (err) {
    console.error(`${SERVICE}: consumer: ${(err as Error).message}`);
  }
}

const amqp = new Amqp(env.rabbitmqUrl, SERVICE, async (ch) => {
  await ch.prefetch(PREFETCH);
  channel = ch;
  consumerTag = undefined;
  await syncConsumer();
});
await amqp.start();
console.log(`${SERVICE} started`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  faults.close();
  void (async () => {
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => {});
    await amqp.close();
    await db.close().catch(() => {});
  })().finally(() => setTimeout(() => process.exit(0), 1000).unref());
  // otel-bootstrap exports its last data on the same signal: a second for that after the clean-up; 5 s at the latest
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
