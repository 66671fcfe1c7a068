// The InfluxDB 1.x downsampling plan (deploy/compose/influxdb/downsampling-v1.influxql), applied to a scratch
// database of the local stack's real InfluxDB: the retention policies and continuous queries are accepted as
// written, and the CQs' own SELECT ... INTO, run over one past hour, rolls up exactly the business metrics.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Endpoints, readEndpoints } from '@foursignals/stack';
import { REPO } from '../src/tools.ts';

const FILE = join(REPO, 'deploy', 'compose', 'influxdb', 'downsampling-v1.influxql');

let stack: Endpoints;
const db = `fs_deploy_${randomBytes(4).toString('hex')}`;

type QueryResult = {
  results: { error?: string; series?: { name: string; columns: string[]; values: unknown[][] }[] }[];
};

async function query(q: string, database = db): Promise<QueryResult> {
  const r = await fetch(`${stack.influxdb_url}/query?db=${encodeURIComponent(database)}`, {
    method: 'POST',
    body: new URLSearchParams({ q }),
  });
  const body = (await r.json()) as QueryResult & { error?: string };
  assert.equal(r.status, 200, `${q}: ${JSON.stringify(body)}`);
  for (const result of body.results) assert.equal(result.error, undefined, `${q}: ${result.error}`);
  return body;
}

/** The file's statements for the scratch database (its only database name is "foursignals"). */
function statements(): string[] {
  return readFileSync(FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('--'))
    .map((l) => l.replaceAll('"foursignals"', `"${db}"`));
}

describe('InfluxDB 1.x retention policies and continuous queries for business metrics', () => {
  before(async () => {
    stack = readEndpoints();
    await query(`CREATE DATABASE "${db}"`, '');
  });
  after(async () => {
    // Best effort: a scratch database left behind (server restarted meanwhile) harms nothing.
    if (stack) await query(`DROP DATABASE "${db}"`, '').catch(() => undefined);
  });

  it('every statement is accepted by the real InfluxDB', async () => {
    const list = statements();
    assert.equal(list.length, 4);
    for (const s of list) await query(s);
    const rps = (await query(`SHOW RETENTION POLICIES ON "${db}"`)).results[0]!.series![0]!;
    const byName = Object.fromEntries(rps.values.map((v) => [v[0], v]));
    assert.equal(byName.raw_30d?.[1], '720h0m0s');
    assert.equal(byName.raw_30d?.[4], true, 'raw_30d is the default policy the collector writes to');
    assert.equal(byName.business_1h_5y?.[1], '43800h0m0s');
    const cqs = (await query('SHOW CONTINUOUS QUERIES')).results[0]!.series!.find((s) => s.name === db)!;
    assert.deepEqual(cqs.values.map((v) => v[0]).sort(), ['cq_business_counters_1h', 'cq_business_gauges_1h']);
  });

  it("the CQs' SELECT INTO rolls up one hour of business metrics (last counter, mean/min/max gauge), nothing else", async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
    const lines = [
      `shop.revenue,service_name=shop-api counter=100 ${ns(hour + 5 * 60_000)}`,
      `shop.revenue,service_name=shop-api counter=180 ${ns(hour + 50 * 60_000)}`,
      `app.users.active,service_name=mes-api gauge=10 ${ns(hour + 10 * 60_000)}`,
      `app.users.active,service_name=mes-api gauge=20 ${ns(hour + 40 * 60_000)}`,
      `http.server.request.duration,service_name=shop-api counter=5 ${ns(hour + 20 * 60_000)}`,
    ];
    const w = await fetch(`${stack.influxdb_url}/write?db=${db}&rp=raw_30d&precision=ns`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(w.status, 204, await w.text());
    const from = new Date(hour).toISOString();
    const to = new Date(hour + 3_600_000).toISOString();
    for (const s of statements().filter((x) => x.startsWith('CREATE CONTINUOUS QUERY'))) {
      const select = /BEGIN (SELECT .*) END$/.exec(s)?.[1];
      assert.ok(select, s);
      // What the CQ runs each hour, for the hour of the test points.
      await query(select.replace(' GROUP BY ', ` WHERE time >= '${from}' AND time < '${to}' GROUP BY `));
    }
    const counter = await query(`SELECT "counter" FROM "${db}"."business_1h_5y"."shop.revenue"`);
    assert.deepEqual(counter.results[0]!.series![0]!.values, [[from.replace('.000Z', 'Z'), 180]]);
    const gauge = await query(
      `SELECT "gauge_mean", "gauge_min", "gauge_max" FROM "${db}"."business_1h_5y"."app.users.active"`,
    );
    assert.deepEqual(gauge.results[0]!.series![0]!.values, [[from.replace('.000Z', 'Z'), 15, 10, 20]]);
    const other = await query(`SELECT * FROM "${db}"."business_1h_5y"."http.server.request.duration"`);
    assert.equal(other.results[0]!.series, undefined, 'performance metrics are not rolled up');
  });
});
