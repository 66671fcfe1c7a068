// Re-records testdata/fixtures/*.json: what the client seam (src/client.ts) answers on a real cluster, the local
// stack's (`npm run stack -- up postgres`; FOURSIGNALS_STATE_DIR picks the stack). Each fixture is a workload in
// a scratch database and the client calls of a few scrapes around it. Then run `npm run goldens` at the root to
// rewrite the expected observations, and review both diffs.
//   node scripts/record-fixtures.ts
import { join } from 'node:path';
import { type RecordedCall, recording, stackEndpoints, writeJson } from '@foursignals/test-support';
import pg from 'pg';
import { type PostgresqlConnect, pgConnect } from '../src/client.ts';
import type { PostgresqlReceiverConfig } from '../src/config.ts';
import { PostgresqlReceiver } from '../src/receiver.ts';

const FIXTURES = join(import.meta.dirname, '..', 'testdata', 'fixtures');

export interface PostgresqlFixture {
  description: string;
  config: PostgresqlReceiverConfig;
  scrapes: number;
  calls: RecordedCall[];
}

function urlFor(database: string): string {
  const url = new URL(stackEndpoints().postgres_url);
  url.pathname = `/${database}`;
  return url.toString();
}

async function sql(database: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    for (const s of statements) await client.query(s).catch((e: Error) => console.warn(`${s}: ${e.message}`));
  } finally {
    await client.end();
  }
}

async function record(
  name: string,
  description: string,
  config: PostgresqlReceiverConfig,
  between: (() => Promise<void>)[],
): Promise<void> {
  const calls: RecordedCall[] = [];
  const real = pgConnect(config.endpoint);
  const connect: PostgresqlConnect = async (signal, onLost) => recording(await real(signal, onLost), calls);
  const receiver = new PostgresqlReceiver(`postgresql/${name}`, config, connect);
  const warn = (m: string) => console.log(`  warning: ${m}`);
  let scrapes = 0;
  for (const step of [async () => {}, ...between]) {
    await step();
    await receiver.scrape({ signal: AbortSignal.timeout(30_000), warn });
    scrapes++;
  }
  await receiver.shutdown();
  writeJson(join(FIXTURES, `${name}.json`), { description, config, scrapes, calls } satisfies PostgresqlFixture);
  console.log(`${name}: ${calls.length} calls over ${scrapes} scrapes`);
}

const SHOP = 'fixture_shop';
const BARE = 'fixture_bare';
await sql('postgres', `DROP DATABASE IF EXISTS ${SHOP} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${BARE} WITH (FORCE)`);
await sql('postgres', `CREATE DATABASE ${SHOP}`, `CREATE DATABASE ${BARE}`);
await sql(SHOP, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements', 'CREATE TABLE orders (id int PRIMARY KEY)');
try {
  await record(
    'workload',
    `Three scrapes of ${SHOP}: 20 commits and 3 rollbacks, then a pg_stat_statements_reset() and 5 more commits`,
    { endpoint: urlFor(SHOP), databases: [SHOP], top_statements: 2 },
    [
      async () => {
        const statements = [];
        for (let i = 0; i < 20; i++) statements.push(`INSERT INTO orders VALUES (${i})`);
        for (let i = 0; i < 3; i++) statements.push('BEGIN', 'SELECT count(*) FROM orders', 'ROLLBACK');
        await sql(SHOP, ...statements);
      },
      async () => {
        await sql(SHOP, 'SELECT pg_stat_statements_reset()');
        await sql(SHOP, ...Array.from({ length: 5 }, (_, i) => `INSERT INTO orders VALUES (${100 + i})`));
      },
    ],
  );
  await record(
    'no-pg-stat-statements',
    `Connected to ${BARE}, where pg_stat_statements was never created: the statements views fail, the rest is read`,
    { endpoint: urlFor(BARE), databases: [BARE] },
    [],
  );
} finally {
  await sql('postgres', `DROP DATABASE IF EXISTS ${SHOP} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${BARE} WITH (FORCE)`);
}
