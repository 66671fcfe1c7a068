// MES API: external users submit cost-calculation orders (published to RabbitMQ), read their status and result
// (MES DB), and fetch calculation reports (S3). Users are identified by `x-user-id` or a bearer JWT (`sub`).
// Started as `node --require <repo>/packages/otel-bootstrap packages/demo/src/mes-api/main.ts`.
import type { Request } from 'express';
import { Amqp } from '../common/amqp.ts';
import { businessCounter } from '../common/business.ts';
import { Db, ensureSchema } from '../common/db.ts';
import { readServiceEnv } from '../common/env.ts';
import { FaultWatcher } from '../common/faults.ts';
import { createApp, finishApp, HttpError, intParam, serve } from '../common/http.ts';
import { verifyJwt } from '../common/jwt.ts';
import { Store } from '../common/s3.ts';
import { MES_QUEUE } from '../common/topology.ts';
import { checkShape, MACHINES, MATERIALS } from '../mes-worker/costing.ts';
import { MES_SCHEMA, MES_SCHEMA_LOCK } from './schema.ts';

const SERVICE = 'mes-api';
const env = readServiceEnv();
const faults = new FaultWatcher(env.faultsFile);
const db = new Db(env.mesDatabaseUrl, faults, 10);
const store = new Store(env.s3, faults);
const amqp = new Amqp(env.rabbitmqUrl, SERVICE);

await ensureSchema(db.pool, MES_SCHEMA_LOCK, MES_SCHEMA);
if (env.s3) await store.ensureBucket(env.s3.reportsBucket);
await amqp.start();

const newUsers = businessCounter('usersNew');
const received = businessCounter('mesOrdersReceived');
/** Users already known to be in api_users (bounded; a miss only costs one idempotent insert). */
const knownUsers = new Set<string>();

function userOf(req: Request): string {
  const auth = req.get('authorization');
  if (auth?.startsWith('Bearer ')) {
    const claims = verifyJwt(auth.slice(7), env.jwtSecret);
    if (!claims || typeof claims.sub !== 'string') throw new HttpError(401, 'invalid token');
    return claims.sub;
  }
  const id = req.get('x-user-id');
  if (id && id.length <= 200) return id;
  throw new HttpError(401, 'identify with x-user-id or a bearer token');
}

async function noteUser(user: string): Promise<void> {
  if (knownUsers.has(user)) return;
  const r = await db.query('INSERT INTO api_users (user_id) VALUES ($1) ON CONFLICT DO NOTHING', [user]);
  if (r.rowCount === 1) newUsers.add(1);
  if (knownUsers.size > 100_000) knownUsers.clear();
  knownUsers.add(user);
}

const app = createApp();

app.get('/api/health', (_req, res) => {
  res.json({ ok: true, rabbitmq: amqp.channel !== undefined, s3: store.enabled });
});

// Reference data: what an order may name. Cheap, cached by clients.
app.get('/api/materials', (req, res) => {
  userOf(req);
  res.json({ materials: MATERIALS, machines: MACHINES });
});

app.post('/api/orders', async (req, res) => {
  const user = userOf(req);
  await noteUser(user);
  const spec = checkShape(req.body);
  if (typeof spec === 'string') throw new HttpError(400, spec);
  if (!amqp.channel) throw new HttpError(503, 'queue unavailable');
  // the unique index on (user, PO number) catches a resubmitted order: the database says so, we answer 409
  const r = await db
    .query<{ id: string }>(
      'INSERT INTO orders (user_id, product, quantity, spec, po_number) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [user, spec.product, spec.quantity, JSON.stringify(spec), spec.poNumber ?? null],
    )
    .catch((err: { code?: string }) => {
      if (err.code === '23505') throw new HttpError(409, `purchase order ${spec.poNumber} was already submitted`);
      throw err;
    });
  const id = Number(r.rows[0]!.id);
  const ttl = spec.deadlineSeconds === undefined ? undefined : spec.deadlineSeconds * 1000;
  await amqp.publish(MES_QUEUE, { id, user, ...spec }, {}, ttl);
  received.add(1);
  res.status(202).location(`/api/orders/${id}`).json({ id, status: 'queued' });
});

app.get('/api/orders', async (req, res) => {
  const user = userOf(req);
  await noteUser(user);
  const limit = Math.min(Number(req.query.limit ?? 20) || 20, 100);
  const r = await db.query(
    'SELECT id, product, quantity, status, created_at, calculated_at FROM orders WHERE user_id = $1 ORDER BY id DESC LIMIT $2',
    [user, limit],
  );
  res.json({ orders: r.rows });
});

app.get('/api/orders/:id', async (req, res) => {
  const user = userOf(req);
  await noteUser(user);
  const id = intParam(req.params.id, 'id');
  const r = await db.query(
    'SELECT id, product, quantity, status, result, reject_reason, created_at, calculated_at FROM orders WHERE id = $1 AND user_id = $2',
    [id, user],
  );
  if (r.rowCount === 0) throw new HttpError(404, 'no such order');
  res.json(r.rows[0]);
});

// The calculation report: written to S3 the first time it is asked for, then served from S3.
app.get('/api/orders/:id/report', async (req, res) => {
  const user = userOf(req);
  await noteUser(user);
  const id = intParam(req.params.id, 'id');
  const r = await db.query<{
    status: string;
    result: unknown;
    product: string;
    quantity: number;
    report_key: string | null;
  }>('SELECT status, result, product, quantity, report_key FROM orders WHERE id = $1 AND user_id = $2', [id, user]);
  const order = r.rows[0];
  if (!order) throw new HttpError(404, 'no such order');
  if (order.status !== 'calculated') throw new HttpError(409, `order is ${order.status}`);
  const report = { id, product: order.product, quantity: order.quantity, result: order.result };
  if (!env.s3) {
    res.json(report);
    return;
  }
  try {
    let key = order.report_key;
    if (!key) {
      // first request: render the report into S3 and remember where it is
      key = `reports/${user}/${id}.json`;
      await store.put(env.s3.reportsBucket, key, JSON.stringify(report), 'application/json');
      await db.query('UPDATE orders SET report_key = $2 WHERE id = $1', [id, key]);
    }
    const body = await store.get(env.s3.reportsBucket, key);
    res.type('application/json').send(body ? Buffer.from(body) : JSON.stringify(report));
  } catch (err) {
    // S3 trouble: the report is still computed from the database; S3's own errors are counted by the bootstrap.
    console.error(`${SERVICE}: s3: ${(err as Error).name}`);
    res.json(report);
  }
});

finishApp(app, SERVICE);
await serve(app, env.port, SERVICE, async () => {
  faults.close();
  await amqp.close();
  store.close();
  await db.close();
});
