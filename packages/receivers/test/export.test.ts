import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { promName } from '@foursignals/metric-spec';
import { HEALTH_METRICS } from '@foursignals/receiver-core';
import { METRICS as PG } from '@foursignals/receiver-postgresql/metrics';
import { influxQuery, promValue, stackEndpoints } from '@foursignals/test-support';
import pg from 'pg';
import { parseConfig } from '../src/config/config.ts';
import { run } from '../src/main.ts';
import { RECEIVER_FACTORIES } from '../src/registry.ts';
import type { Logger } from '../src/runtime/runtime.ts';

// End to end through the real pipeline: the PostgreSQL receiver scrapes the stack's cluster, the runtime exports
// OTLP http/protobuf (cumulative) to the stack's collector, which remote-writes to Prometheus; the number that
// arrives must equal PostgreSQL's own count.
const endpoints = stackEndpoints();
const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
const database = `rcve2e_${suffix}`;
const instance = `postgresql/e2e_${suffix}`;

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function dbUrl(name: string): string {
  const url = new URL(endpoints.postgres_url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function influxLast(q: string): Promise<number | undefined> {
  const value = (await influxQuery(q))[0]?.values[0]?.[1];
  return value === undefined || value === null ? undefined : Number(value);
}

before(async () => {
  await sql(endpoints.postgres_url, `CREATE DATABASE ${database}`);
});
after(async () => {
  await sql(endpoints.postgres_url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

test('PostgreSQL counts arrive in Prometheus and InfluxDB through the collector, exactly', async () => {
  const client = new pg.Client({ connectionString: dbUrl(database) });
  await client.connect();
  for (let i = 0; i < 40; i++) await client.query('SELECT $1::int', [i]);
  await client.end();
  // PostgreSQL's own count, once the ended session's statistics are in.
  const pgCommits = async (): Promise<number> => {
    const [row] = await sql<{ c: string }>(
      endpoints.postgres_url,
      'SELECT xact_commit AS c FROM pg_stat_database WHERE datname = $1',
      [database],
    );
    return Number(row!.c);
  };
  let commits = -1;
  for (let i = 0; i < 20; i++) {
    const [row] = await sql<{ c: string }>(
      endpoints.postgres_url,
      'SELECT xact_commit AS c FROM pg_stat_database WHERE datname = $1',
      [database],
    );
    if (Number(row!.c) === commits && commits >= 40) break;
    commits = Number(row!.c);
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(commits >= 40, `pg_stat_database counted ${commits} commits`);

  const yaml = `
receivers:
  ${instance}:
    endpoint: \${env:PG_URL}
    databases: [${database}]
    collection_interval: 1s
exporters:
  otlphttp:
    endpoint: ${endpoints.otlp_http_url}
    interval: 1s
resource:
  service.name: foursignals-receivers-test
`;
  const logged: string[] = [];
  const logger: Logger = { info: (m) => logged.push(m), warn: (m) => logged.push(m) };
  const running = run(parseConfig(yaml, RECEIVER_FACTORIES, { PG_URL: endpoints.postgres_url }), logger);
  try {
    const selector = `receiver_name="${instance}",db_namespace="${database}"`;
    const commitsExpr = `${promName(PG.commits)}{${selector}}`;
    let seen: number | undefined;
    // PostgreSQL's count is read again each time: an autovacuum worker visiting the database adds transactions
    // of its own, which the pipeline must then show too.
    for (let i = 0; i < 90 && seen !== commits; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      seen = await promValue(commitsExpr);
      commits = await pgCommits();
    }
    assert.equal(seen, commits, `Prometheus has ${seen}, PostgreSQL counted ${commits}; log:\n${logged.join('\n')}`);
    assert.equal(await promValue(`${promName(HEALTH_METRICS.up)}{receiver_name="${instance}"}`), 1);
    assert.ok((await promValue(`${promName(HEALTH_METRICS.scrapeDuration)}{receiver_name="${instance}"}`))! > 0);
    assert.equal(await promValue(`${promName(PG.queryCalls)}{${selector}}`), 40);
    for (const name of [PG.backends, PG.cacheHitRatio, PG.queryTime].map(promName)) {
      assert.notEqual(await promValue(`count(${name}{${selector}})`), undefined, `${name} is in Prometheus`);
    }
    assert.equal(await promValue(`count(${promName(PG.connectionMax)}{receiver_name="${instance}"})`), 1);

    // The same number in InfluxDB (the collector's second exporter): measurement = metric name, tags = attributes.
    const influx =
      `SELECT last("counter") FROM "${PG.commits.name}" WHERE "receiver.name" = '${instance}' ` +
      `AND "db.namespace" = '${database}' AND time > now() - 15m`;
    let inInflux: number | undefined;
    for (let i = 0; i < 60 && inInflux !== commits; i++) {
      inInflux = await influxLast(influx);
      commits = await pgCommits();
      if (inInflux !== commits) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(inInflux, commits, 'InfluxDB has what PostgreSQL counted');
  } finally {
    await running.stop();
  }
});
