import { randomBytes } from 'node:crypto';
import type { Observation } from '@foursignals/receiver-core';
import { readEndpoints } from '@foursignals/stack';
import pg from 'pg';
import { METRICS } from '../src/metrics.ts';
import { PostgresqlReceiver } from '../src/receiver.ts';

/**
 * The superuser URL of the PostgreSQL the tests run against: the local stack's cluster (pg_stat_statements
 * preloaded), or FOURSIGNALS_TEST_POSTGRES_URL to point the tests at another cluster with it preloaded.
 */
export function superuserUrl(): string {
  return process.env.FOURSIGNALS_TEST_POSTGRES_URL ?? readEndpoints().postgres_url;
}

export function urlFor(database: string, user?: { name: string; password: string }): string {
  const url = new URL(superuserUrl());
  url.pathname = `/${database}`;
  if (user) {
    url.username = user.name;
    url.password = user.password;
  }
  return url.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** A scratch database, dropped (with its sessions) by `drop()`. */
export async function scratchDatabase(
  prefix = 'rcvtest',
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = uniqueName(prefix);
  await withClient(superuserUrl(), async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await c.query(`CREATE DATABASE ${name}`);
  });
  return {
    name,
    url: urlFor(name),
    drop: () =>
      withClient(superuserUrl(), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

export interface Scrape {
  points: Observation[];
  warnings: string[];
}

export async function scrape(receiver: PostgresqlReceiver): Promise<Scrape> {
  const warnings: string[] = [];
  const points = await receiver.scrape({ signal: new AbortController().signal, warn: (m) => warnings.push(m) });
  return { points, warnings };
}

/** The value of one point, found by metric and attributes (all given attributes must match). */
export function value(s: Scrape, metric: string, attributes: Record<string, string> = {}): number | undefined {
  const found = s.points.filter(
    (p) => p.metric === metric && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} points match ${metric} ${JSON.stringify(attributes)}`);
  return found[0]?.value;
}

export function receiverFor(
  database: string,
  extra: Partial<ConstructorParameters<typeof PostgresqlReceiver>[1]> = {},
) {
  return new PostgresqlReceiver('postgresql/test', {
    endpoint: superuserUrl(),
    databases: [database],
    ...extra,
  });
}

/**
 * Scrapes until `done` holds (the statistics of a session reach pg_stat_database when it ends or, for a
 * running session, at most about once a second), at most `tries` times.
 */
export async function scrapeUntil(
  receiver: PostgresqlReceiver,
  done: (s: Scrape) => boolean,
  tries = 40,
): Promise<Scrape> {
  let last = await scrape(receiver);
  for (let i = 0; i < tries && !done(last); i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await scrape(receiver);
  }
  return last;
}

export { METRICS };
