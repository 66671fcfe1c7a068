// Shop API on the Shop DB: catalogue, carts, orders, payments; product images in S3.
// Started as `node --require <repo>/packages/otel-bootstrap packages/demo/src/shop-api/main.ts`.
import { businessCounter } from '../common/business.ts';
import { Db, ensureSchema } from '../common/db.ts';
import { readServiceEnv } from '../common/env.ts';
import { FaultWatcher } from '../common/faults.ts';
import { createApp, finishApp, HttpError, intParam, serve } from '../common/http.ts';
import { Store } from '../common/s3.ts';
import { CATEGORIES, DECLINED_CARD, OUT_OF_STOCK_EVERY, PRODUCT_COUNT, PROVIDER_ERROR_CARD } from './constants.ts';

const SERVICE = 'shop-api';
const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS shop;
CREATE TABLE IF NOT EXISTS shop.products (
  id integer PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  category text NOT NULL,
  price_cents integer NOT NULL,
  stock integer NOT NULL
);
CREATE INDEX IF NOT EXISTS products_category_idx ON shop.products (category, id);
CREATE TABLE IF NOT EXISTS shop.carts (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS shop.cart_items (
  cart_id bigint NOT NULL REFERENCES shop.carts (id),
  product_id integer NOT NULL REFERENCES shop.products (id),
  qty integer NOT NULL,
  PRIMARY KEY (cart_id, product_id)
);
CREATE TABLE IF NOT EXISTS shop.orders (
  id bigserial PRIMARY KEY,
  cart_id bigint NOT NULL UNIQUE REFERENCES shop.carts (id),
  customer_id integer NOT NULL,
  total_cents bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS shop.order_items (
  order_id bigint NOT NULL REFERENCES shop.orders (id),
  product_id integer NOT NULL,
  qty integer NOT NULL,
  price_cents integer NOT NULL
);
CREATE TABLE IF NOT EXISTS shop.payments (
  id bigserial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES shop.orders (id),
  amount_cents bigint NOT NULL,
  method text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO shop.products (id, sku, name, category, price_cents, stock)
SELECT i, 'SKU-' || lpad(i::text, 5, '0'),
       (ARRAY['Compact','Heavy-duty','Precision','Industrial','Classic'])[1 + i % 5] || ' ' ||
       (ARRAY['${CATEGORIES.join("','")}'])[1 + i % ${CATEGORIES.length}] || ' item ' || i,
       (ARRAY['${CATEGORIES.join("','")}'])[1 + i % ${CATEGORIES.length}],
       199 + (i * 7919) % 25000,
       CASE WHEN i % ${OUT_OF_STOCK_EVERY} = 0 THEN 0 ELSE 1000000000 END
FROM generate_series(1, ${PRODUCT_COUNT}) AS i
ON CONFLICT (id) DO NOTHING;
`;

const env = readServiceEnv();
const faults = new FaultWatcher(env.faultsFile);
const db = new Db(env.shopDatabaseUrl, faults, 10);
const store = new Store(env.s3, faults);
const ordersPlaced = businessCounter('shopOrders');
const revenue = businessCounter('shopRevenue');

await ensureSchema(db.pool, 7_100_002, SCHEMA);

/** A tiny deterministic "image" per product (an SVG). */
function productImage(id: number): string {
  const hue = (id * 47) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${hue},60%,60%)"/><text x="8" y="38">${id}</text></svg>`;
}

if (env.s3) {
  const bucket = env.s3.imagesBucket;
  await store.ensureBucket(bucket);
  if (!(await store.exists(bucket, `products/${PRODUCT_COUNT}.svg`))) {
    for (let i = 1; i <= PRODUCT_COUNT; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          store.put(bucket, `products/${i + k}.svg`, productImage(i + k), 'image/svg+xml'),
        ),
      );
    }
  }
}

const app = createApp();
app.use((_req, _res, next) => {
  db.leakTick();
  next();
});

app.get('/api/health', (_req, res) => {
  res.json({ ok: true, s3: store.enabled });
});

app.get('/api/products', async (req, res) => {
  const page = Math.max(0, Number(req.query.page ?? 0) || 0);
  const category = typeof req.query.category === 'string' ? req.query.category : undefined;
  const r = category
    ? await db.query(
        'SELECT id, sku, name, category, price_cents, stock > 0 AS in_stock FROM shop.products WHERE category = $1 ORDER BY id LIMIT 20 OFFSET $2',
        [category, page * 20],
      )
    : await db.query(
        'SELECT id, sku, name, category, price_cents, stock > 0 AS in_stock FROM shop.products ORDER BY id LIMIT 20 OFFSET $1',
        [page * 20],
      );
  res.json({ products: r.rows });
});

app.get('/api/products/:id', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const r = await db.query(
    'SELECT id, sku, name, category, price_cents, stock > 0 AS in_stock FROM shop.products WHERE id = $1',
    [id],
  );
  if (r.rowCount === 0) throw new HttpError(404, 'no such product');
  res.json(r.rows[0]);
});

app.get('/api/products/:id/image', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  if (id > PRODUCT_COUNT) throw new HttpError(404, 'no such product');
  let body: Uint8Array | undefined;
  if (env.s3) {
    try {
      body = await store.get(env.s3.imagesBucket, `products/${id}.svg`);
    } catch (err) {
      console.error(`${SERVICE}: s3: ${(err as Error).name}`);
    }
  }
  // S3 down or the object missing: serve the generated placeholder (S3's own errors are counted by the bootstrap)
  res.type('image/svg+xml').send(body ? Buffer.from(body) : productImage(id));
});

app.get('/api/search', async (req, res) => {
  const q = typeof req.query.q === 'string' ? req.query.q : '';
  if (q.length < 2) throw new HttpError(400, 'q: at least 2 characters');
  const r = await db.query(
    'SELECT id, sku, name, price_cents FROM shop.products WHERE name ILIKE $1 ORDER BY price_cents LIMIT 20',
    [`%${q}%`],
  );
  res.json({ products: r.rows });
});

app.post('/api/carts', async (req, res) => {
  const customerId = intParam(req.body?.customerId, 'customerId');
  const r = await db.query<{ id: string }>('INSERT INTO shop.carts (customer_id) VALUES ($1) RETURNING id', [
    customerId,
  ]);
  res.status(201).json({ id: Number(r.rows[0]!.id) });
});

app.get('/api/carts/:id', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const cart = await db.query('SELECT id, customer_id, created_at FROM shop.carts WHERE id = $1', [id]);
  if (cart.rowCount === 0) throw new HttpError(404, 'no such cart');
  const items = await db.query(
    'SELECT ci.product_id, ci.qty, p.price_cents FROM shop.cart_items ci JOIN shop.products p ON p.id = ci.product_id WHERE ci.cart_id = $1',
    [id],
  );
  res.json({ ...cart.rows[0], items: items.rows });
});

app.post('/api/carts/:id/items', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const productId = intParam(req.body?.productId, 'productId');
  const qty = intParam(req.body?.qty ?? 1, 'qty');
  const p = await db.query<{ stock: number }>('SELECT stock FROM shop.products WHERE id = $1', [productId]);
  if (p.rowCount === 0) throw new HttpError(404, 'no such product');
  if (p.rows[0]!.stock < qty) throw new HttpError(409, 'out of stock');
  try {
    await db.query(
      'INSERT INTO shop.cart_items (cart_id, product_id, qty) VALUES ($1, $2, $3) ON CONFLICT (cart_id, product_id) DO UPDATE SET qty = shop.cart_items.qty + EXCLUDED.qty',
      [id, productId, qty],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new HttpError(404, 'no such cart');
    throw err;
  }
  res.status(201).json({ cartId: id, productId, qty });
});

app.post('/api/orders', async (req, res) => {
  const cartId = intParam(req.body?.cartId, 'cartId');
  const order = await db.tx(async (c) => {
    const cart = await c.query<{ customer_id: number }>('SELECT customer_id FROM shop.carts WHERE id = $1 FOR UPDATE', [
      cartId,
    ]);
    if (cart.rowCount === 0) throw new HttpError(404, 'no such cart');
    const done = await c.query('SELECT 1 FROM shop.orders WHERE cart_id = $1', [cartId]);
    if (done.rowCount !== 0) throw new HttpError(409, 'cart already ordered');
    const items = await c.query<{ product_id: number; qty: number; price_cents: number }>(
      'SELECT ci.product_id, ci.qty, p.price_cents FROM shop.cart_items ci JOIN shop.products p ON p.id = ci.product_id WHERE ci.cart_id = $1',
      [cartId],
    );
    if (items.rowCount === 0) throw new HttpError(409, 'cart is empty');
    const total = items.rows.reduce((s, i) => s + i.qty * i.price_cents, 0);
    const o = await c.query<{ id: string }>(
      'INSERT INTO shop.orders (cart_id, customer_id, total_cents) VALUES ($1, $2, $3) RETURNING id',
      [cartId, cart.rows[0]!.customer_id, total],
    );
    const orderId = Number(o.rows[0]!.id);
    await c.query(
      'INSERT INTO shop.order_items (order_id, product_id, qty, price_cents) SELECT $1, ci.product_id, ci.qty, p.price_cents FROM shop.cart_items ci JOIN shop.products p ON p.id = ci.product_id WHERE ci.cart_id = $2',
      [orderId, cartId],
    );
    await c.query(
      'UPDATE shop.products p SET stock = p.stock - ci.qty FROM shop.cart_items ci WHERE ci.cart_id = $1 AND ci.product_id = p.id',
      [cartId],
    );
    return { id: orderId, total_cents: total };
  });
  ordersPlaced.add(1);
  res
    .status(201)
    .location(`/api/orders/${order.id}`)
    .json({ ...order, status: 'pending' });
});

app.get('/api/orders/:id', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const r = await db.query(
    'SELECT id, cart_id, customer_id, total_cents, status, created_at FROM shop.orders WHERE id = $1',
    [id],
  );
  if (r.rowCount === 0) throw new HttpError(404, 'no such order');
  res.json(r.rows[0]);
});

app.post('/api/orders/:id/payments', async (req, res) => {
  const id = intParam(req.params.id, 'id');
  const method = req.body?.method;
  if (method !== 'card' && method !== 'invoice') throw new HttpError(400, 'method: card or invoice');
  const card = String(req.body?.card ?? '');
  if (method === 'card' && card === PROVIDER_ERROR_CARD) throw new HttpError(502, 'payment provider unavailable');
  const paid = await db.tx(async (c) => {
    const o = await c.query<{ total_cents: string; status: string }>(
      'SELECT total_cents, status FROM shop.orders WHERE id = $1 FOR UPDATE',
      [id],
    );
    const order = o.rows[0];
    if (!order) throw new HttpError(404, 'no such order');
    if (order.status === 'paid') throw new HttpError(409, 'already paid');
    const declined = method === 'card' && card === DECLINED_CARD;
    await c.query('INSERT INTO shop.payments (order_id, amount_cents, method, status) VALUES ($1, $2, $3, $4)', [
      id,
      order.total_cents,
      method,
      declined ? 'declined' : 'accepted',
    ]);
    if (declined) return undefined;
    await c.query("UPDATE shop.orders SET status = 'paid' WHERE id = $1", [id]);
    return Number(order.total_cents);
  });
  if (paid === undefined) throw new HttpError(402, 'payment declined');
  revenue.add(paid / 100);
  res.status(201).json({ orderId: id, status: 'paid', amount_cents: paid });
});

finishApp(app, SERVICE);
await serve(app, env.port, SERVICE, async () => {
  faults.close();
  store.close();
  await db.close();
});
