/** The MES DB schema; idempotent, run by the MES API and the worker at start-up. */
export const MES_SCHEMA = `
CREATE TABLE IF NOT EXISTS api_users (
  user_id text PRIMARY KEY,
  first_seen timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS orders (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL,
  product text NOT NULL,
  quantity integer NOT NULL,
  spec jsonb NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  result jsonb,
  reject_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  calculated_at timestamptz
);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS report_key text;
CREATE INDEX IF NOT EXISTS orders_user_idx ON orders (user_id, id DESC);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS po_number text;
CREATE UNIQUE INDEX IF NOT EXISTS orders_user_po_idx ON orders (user_id, po_number);
`;

export const MES_SCHEMA_LOCK = 7_100_001;
