// CRM API: customers and their contacts, in its own schema (`crm`) of the Shop DB.
// Started as `node --require <repo>/packages/otel-bootstrap packages/demo/src/crm-api/main.ts`.
import { businessCounter } from '../common/business.ts';
import { Db, ensureSchema } from '../common/db.ts';
import { readServiceEnv } from '../common/env.ts';
import { FaultWatcher } from '../common/faults.ts';
import { createApp, finishApp, HttpError, intParam, serve } from '../common/http.ts';
import { CONTACT_KINDS, SEEDED_CUSTOMERS, SEGMENTS } from './constants.ts';

const SERVICE = 'crm-api';
const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS crm;
CREATE TABLE IF NOT EXISTS crm.customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  company text NOT NULL,
  segment text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS customers_segment_idx ON crm.customers (segment, id);
CREATE TABLE IF NOT EXISTS crm.contacts (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES crm.customers (id),
  kind text NOT NULL,
  note text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS contacts_customer_idx ON crm.contacts (customer_id, id DESC);
INSERT INTO crm.customers (id, name, email, company, segment)
SELECT i, 'Customer ' || i, 'customer' || i || '@example.com', 'Company ' || (i % 97),
       (ARRAY['${SEGMENTS.join("','")}'])[1 + i % ${SEGMENTS.length}]
FROM generate_series(1, ${SEEDED_CUSTOMERS}) AS i
ON CONFLICT (id) DO NOTHING;
SELECT setval('crm.customers_id_seq', GREATEST((SELECT max(id) FROM crm.customers), ${SEEDED_CUSTOMERS}));
`;

const env = readServiceEnv();
const faults = new FaultWatcher(env.faultsFile);
const db = new Db(env.shopDatabaseUrl, faults, 6);
const created = businessCounter('customersCreated');

await ensureSchema(db.pool, 7_100_003, SCHEMA);

const app = createApp();
app.use((_req, _res, next) => {
  db.leakTick();
  next();
});

app.get('/api/health', (_req, res) => {
  res.json({ ok: true });
});

app.get('/api/customers', async (req, res) => {
  const page = Math.max(0, Number(req.query.page ?? 0) || 0);
  const segment = typeof req.query.segment === 'string' ? req.query.segment : undefined;
  const r = segment
    ? await db.query(
        'SELECT id, name, email, company, segment FROM crm.customers WHERE segment = $1 ORDER BY id LIMIT 25 OFFSET $2',
        [segment, page * 25],
      )
    : await db.query('SELECT id, name, email, company, segment FROM crm.customers ORDER BY id LIMIT 25 OFFSET $1', [
        page * 25,
      ]);
  res.json({ customers: r.rows });
});

app.get('/api/customers/search', async (req, res) => {
  const q = typeof req.query.q === 'string' ? req.query.q : '';
  if (q.length < 2) throw new HttpError(400, 'q: at least 2 characters');
  const r = await db.query(
    'SELECT id, name, email, company FROM crm.customers WHERE name ILIKE $1 OR company ILIKE $1 ORDER BY id LIMIT 25',
    [`%${q}%`],
  );
  res.json({ customers: r.rows });
});

app.get('/api/customers/:id', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const r = await db.query(
    `SELECT c.id, c.name, c.email, c.company, c.segment, c.created_at,
            (SELECT count(*) FROM crm.contacts k WHERE k.customer_id = c.id)::int AS contacts
     FROM crm.customers c WHERE c.id = $1`,
    [id],
  );
  if (r.rowCount === 0) throw new HttpError(404, 'no such customer');
  res.json(r.rows[0]);
});

app.post('/api/customers', async (req, res) => {
  const { name, email, company } = req.body ?? {};
  if (typeof name !== 'string' || typeof email !== 'string' || !email.includes('@'))
    throw new HttpError(400, 'name and email are required');
  const segment = SEGMENTS[Math.abs(hash(email)) % SEGMENTS.length]!;
  try {
    const r = await db.query<{ id: number }>(
      'INSERT INTO crm.customers (name, email, company, segment) VALUES ($1, $2, $3, $4) RETURNING id',
      [name, email, typeof company === 'string' ? company : '', segment],
    );
    created.add(1);
    res.status(201).json({ id: r.rows[0]!.id, segment });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new HttpError(409, 'email already registered');
    throw err;
  }
});

app.patch('/api/customers/:id', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const company = req.body?.company;
  if (typeof company !== 'string') throw new HttpError(400, 'company is required');
  const r = await db.query('UPDATE crm.customers SET company = $2, updated_at = now() WHERE id = $1', [id, company]);
  if (r.rowCount === 0) throw new HttpError(404, 'no such customer');
  res.json({ id, company });
});

app.get('/api/customers/:id/contacts', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const r = await db.query(
    'SELECT id, kind, note, created_at FROM crm.contacts WHERE customer_id = $1 ORDER BY id DESC LIMIT 50',
    [id],
  );
  res.json({ contacts: r.rows });
});

app.post('/api/customers/:id/contacts', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const kind = req.body?.kind;
  if (!CONTACT_KINDS.includes(kind)) throw new HttpError(400, `kind: one of ${CONTACT_KINDS.join(', ')}`);
  try {
    const r = await db.query<{ id: string }>(
      'INSERT INTO crm.contacts (customer_id, kind, note) VALUES ($1, $2, $3) RETURNING id',
      [id, kind, String(req.body?.note ?? '')],
    );
    res.status(201).json({ id: Number(r.rows[0]!.id) });
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new HttpError(404, 'no such customer');
    throw err;
  }
});

app.delete('/api/contacts/:id', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const r = await db.query('DELETE FROM crm.contacts WHERE id = $1', [id]);
  if (r.rowCount === 0) throw new HttpError(404, 'no such contact');
  res.status(204).end();
});

app.get('/api/reports/segments', async (_req, res) => {
  const r = await db.query(
    `SELECT c.segment, count(DISTINCT c.id)::int AS customers, count(k.id)::int AS contacts
     FROM crm.customers c LEFT JOIN crm.contacts k ON k.customer_id = c.id AND k.created_at > now() - interval '30 days'
     GROUP BY c.segment ORDER BY c.segment`,
  );
  res.json({ segments: r.rows });
});

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

finishApp(app, SERVICE);
await serve(app, env.port, SERVICE, async () => {
  faults.close();
  await db.close();
});
