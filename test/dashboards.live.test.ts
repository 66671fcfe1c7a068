// Every panel of every generated dashboard, against the live stack under the demo's load: each Prometheus query must
// succeed and return at least one series, each InfluxQL query must succeed and return at least one value. Grafana is
// not installable here, so this is how the dashboards are shown to work.
//
// Load: the background demo (`npm run demo -- up`) if it is running; otherwise this test starts it and stops it
// again at the end. It waits until the demo has reported for a few minutes, so rate windows are filled.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../packages/dashboards/src/config.ts';
import { dashboards } from '../packages/dashboards/src/dashboards/index.ts';
import { backtest, FORECASTS, writeBacktest } from '../packages/dashboards/src/forecast.ts';
import { CONFIG_FILE, REPO_ROOT } from '../packages/dashboards/src/generate.ts';
import { type PanelQuery, panelQueries } from '../packages/dashboards/src/queries.ts';
import { readFaults, writeFaults } from '../packages/demo/src/common/faults.ts';
import { DEFAULT_NAMESPACE, demoDown, demoStatus, demoUp, faultsFile } from '../packages/demo/src/supervisor.ts';
import { endpoints, influxQuery, promQuery, waitFor } from './support.ts';

const all = dashboards(loadConfig(`${REPO_ROOT}/${CONFIG_FILE}`));
/** InfluxQL panels: a short window at a fine granularity, so a few minutes of demo are enough history. */
const INFLUX = { timeFilter: 'time > now() - 20m', custom: { granularity: '10s', season: '0', ahead: '6' } };
let startedDemo = false;

before(async () => {
  if (!demoStatus(endpoints).some((p) => p.running)) {
    console.log('# starting the background demo (npm run demo -- up) for this test');
    await demoUp({ endpoints, rate: 20 });
    startedDemo = true;
  }
  // The demo must have reported for ~3 minutes: 5 s exports, so 30+ samples of a business counter in 3 minutes.
  const ns = `service_namespace="${DEFAULT_NAMESPACE}"`;
  await waitFor(
    'three minutes of demo data in Prometheus',
    () => promQuery(`count_over_time(mes_orders_received_total{${ns}}[3m])`),
    (r) => r.some((s) => s.value >= 30),
    300_000,
  );
  // Dead letters exist only after the first one: switch on the demo's poison fault (orders the worker rejects) until
  // the RabbitMQ receiver has counted some, then back to what it was.
  const file = faultsFile(endpoints);
  const before = readFaults(file);
  writeFaults(file, { ...before, poison: true });
  try {
    await waitFor(
      'dead letters counted by the RabbitMQ receiver',
      () => promQuery('sum(rabbitmq_messages_dead_lettered_total)'),
      (r) => (r[0]?.value ?? 0) > 0,
      180_000,
    );
  } finally {
    writeFaults(file, before);
  }
  // one more receiver scrape and collector flush after that
  await sleep(20_000);
});

after(async () => {
  if (startedDemo) await demoDown(endpoints);
});

async function runProm(q: PanelQuery): Promise<string | undefined> {
  try {
    const r = await promQuery(q.query);
    return r.length === 0 ? 'empty result' : undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

async function runInflux(q: PanelQuery): Promise<string | undefined> {
  try {
    const series = await influxQuery(q.query);
    const values = series.flatMap((s) => s.values).filter((v) => v.slice(1).some((x) => x !== null));
    return values.length === 0 ? 'empty result' : undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

test('every Prometheus panel query returns data under the demo load', async () => {
  const queries = all.flatMap((d) => panelQueries(d)).filter((q) => q.datasource === 'prometheus');
  assert.ok(queries.length > 40);
  const failures: string[] = [];
  for (const q of queries) {
    const problem = await runProm(q);
    if (problem) failures.push(`${q.dashboard} / ${q.panel} [${q.refId}]: ${problem}\n    ${q.query}`);
  }
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${queries.length} panel queries failed:\n${failures.join('\n')}`,
  );
});

test('every InfluxQL panel query returns data, forecasts and their backtest error included', async () => {
  // The backtest panels read what the backtest writes: measure the forecasts' error on the demo's history first.
  for (const f of FORECASTS) {
    const o = {
      url: endpoints.influxdb_url,
      database: endpoints.influxdb_database,
      granularity: '10s',
      holdout: 4,
      lookback: '20m',
    };
    const r = await backtest(f.measurement, o);
    assert.ok(Number.isFinite(r.mape) && Number.isFinite(r.mae) && r.points > 0, JSON.stringify(r));
    console.log(`# ${f.measurement}: Holt-Winters backtest MAPE ${(r.mape * 100).toFixed(1)}% over ${r.points} x 10s`);
    await writeBacktest(r, o);
  }
  const queries = all.flatMap((d) => panelQueries(d, INFLUX)).filter((q) => q.datasource === 'influxdb');
  assert.ok(queries.length >= 10);
  const failures: string[] = [];
  for (const q of queries) {
    const problem = await runInflux(q);
    if (problem) failures.push(`${q.dashboard} / ${q.panel} [${q.refId}]: ${problem}\n    ${q.query}`);
  }
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${queries.length} panel queries failed:\n${failures.join('\n')}`,
  );
});
