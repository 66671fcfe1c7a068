// Every panel of every generated dashboard, against the live stack under the demo's load: each Prometheus query must
// succeed and return at least one series, each InfluxQL query must succeed and return at least one value. Grafana is
// not installable here, so this is how the dashboards are shown to work.
//
// Load: the test runs its own instance of the demo company (its own service.namespace, fault switches and ports;
// the shared databases, queue and buckets) with the demo's load generator until the end, and waits until it has
// reported for a few minutes so every rate window is filled. The poison fault is on at first, until the RabbitMQ
// receiver has counted dead letters (they exist only after the first one).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@foursignals/test-support';
import { loadConfig } from '../packages/dashboards/src/config.ts';
import { dashboards } from '../packages/dashboards/src/dashboards/index.ts';
import { backtest, FORECASTS, writeBacktest } from '../packages/dashboards/src/forecast.ts';
import { CONFIG_FILE, REPO_ROOT } from '../packages/dashboards/src/generate.ts';
import { type PanelQuery, panelQueries } from '../packages/dashboards/src/queries.ts';
import { noFaults, writeFaults } from '../packages/demo/src/common/faults.ts';
import { runLoad } from '../packages/demo/src/loadgen/engine.ts';
import { type RunningService, startCompany, stopCompany, waitExit } from '../packages/demo/src/supervisor.ts';
import { promName } from '../packages/metric-spec/src/index.ts';
import { METRICS as RMQ } from '../packages/receiver-rabbitmq/src/metrics.ts';
import { endpoints, influxQuery, promQuery, waitFor } from './support.ts';

const all = dashboards(loadConfig(`${REPO_ROOT}/${CONFIG_FILE}`));
/** InfluxQL panels: a short window at a fine granularity, so a few minutes of demo are enough history. */
const INFLUX = { timeFilter: 'time > now() - 20m', custom: { granularity: '10s', season: '0', ahead: '6' } };
const RUN = `dashboards-${Date.now().toString(36)}`;
const NS = `foursignals-${RUN}`;
const dir = mkdtempSync(join(tmpdir(), 'foursignals-dashboards-e2e-'));
const faultsFile = join(dir, 'faults.json');
let company: RunningService[] = [];
const load = new AbortController();
let loadDone: Promise<unknown> = Promise.resolve();

before(async () => {
  writeFaults(faultsFile, { ...noFaults(), poison: true });
  const ports = { 'mes-api': await freePort(), 'shop-api': await freePort(), 'crm-api': await freePort() };
  company = await startCompany({ endpoints, ports, namespace: NS, exportIntervalMs: 2000, faultsFile, logDir: dir });
  loadDone = runLoad({
    targets: {
      'mes-api': `http://127.0.0.1:${ports['mes-api']}`,
      'shop-api': `http://127.0.0.1:${ports['shop-api']}`,
      'crm-api': `http://127.0.0.1:${ports['crm-api']}`,
    },
    rate: 20,
    // a large user population, so new users keep appearing (users of earlier runs are known to the MES DB already)
    users: 100_000,
    durationSec: 0,
    faultsFile,
    runId: RUN,
    signal: load.signal,
  }).catch(() => undefined);
  await waitFor(
    'dead letters counted by the RabbitMQ receiver',
    () => promQuery(`sum(${promName(RMQ.deadLettered)})`),
    (r) => (r[0]?.value ?? 0) > 0,
    240_000,
  );
  writeFaults(faultsFile, noFaults());
  // ~3 minutes of this company's data (2 s exports: 90 samples of a counter in 3 minutes)
  await waitFor(
    "three minutes of the company's data in Prometheus",
    () => promQuery(`count_over_time(mes_orders_received_total{service_namespace="${NS}"}[3m])`),
    (r) => r.some((x) => x.value >= 80),
    300_000,
  );
  // one more receiver scrape and collector flush after that
  await sleep(20_000);
});

after(async () => {
  load.abort();
  await loadDone;
  stopCompany(company);
  await waitExit(company);
  rmSync(dir, { recursive: true, force: true });
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
      lookback: '10m',
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
