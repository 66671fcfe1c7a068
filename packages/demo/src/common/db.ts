import pg from 'pg';
import type { FaultWatcher } from './faults.ts';

/** A pool whose queries honour the slow-queries fault: a share of them first sleep inside PostgreSQL. */
export class Db {
  readonly pool: pg.Pool;
  readonly #url: string;
  readonly #faults: FaultWatcher;
  readonly #leaked: pg.Client[] = [];
  #leaking = false;

  constructor(url: string, faults: FaultWatcher, max = 10) {
    this.#url = url;
    this.#faults = faults;
    this.pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (err) => console.error(`pg pool: ${err.message}`));
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    if (this.#faults.current.slowQueries && Math.random() < 0.3) await this.pool.query('SELECT pg_sleep(0.2)');
    return this.pool.query<R>(sql, params);
  }

  /** Runs fn in a transaction on one connection; rolls back on error. */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (this.#faults.current.slowQueries && Math.random() < 0.3) await client.query('SELECT pg_sleep(0.2)');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * The connection-leak fault: called once per request; while the fault is on, opens a connection that stays
   * idle in a transaction and is never given back, up to `cap`. When the fault goes off, the leaked ones close.
   */
  leakTick(cap = 15): void {
    if (!this.#faults.current.connectionLeak) {
      if (this.#leaked.length > 0) {
        for (const c of this.#leaked.splice(0)) c.end().catch(() => {});
      }
      return;
    }
    if (this.#leaking || this.#leaked.length >= cap) return;
    this.#leaking = true;
    const client = new pg.Client({ connectionString: this.#url });
    client.on('error', () => {});
    client
      .connect()
      .then(() => client.query('BEGIN'))
      .then(() => client.query('SELECT 1'))
      .then(() => {
        this.#leaked.push(client);
      })
      .catch(() => client.end().catch(() => {}))
      .finally(() => {
        this.#leaking = false;
      });
  }

  async close(): Promise<void> {
    for (const c of this.#leaked.splice(0)) await c.end().catch(() => {});
    await this.pool.end();
  }
}

/** Creates a schema idempotently; an advisory lock keeps concurrent start-ups from racing on CREATE ... IF NOT EXISTS. */
export async function ensureSchema(pool: pg.Pool, lockKey: number, ddl: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey]);
    await client.query(ddl);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Creates the database in `url` if it does not exist, connecting as the superuser of `adminUrl`. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}
