// The company in miniature, end to end: its own instances of the MES API, Shop API, CRM API and MES worker (started
// with otel-bootstrap, in a service.namespace and a RabbitMQ vhost of their own), a fixed load run, then the collector -> Prometheus /
// InfluxDB. Checks: the HTTP counts equal the load generator's own counts exactly; every row of the seed's table has
// a value in Prometheus and in InfluxDB; each fault switch moves its signal while the others stay calm.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Faults, noFaults, writeFaults } from '../packages/demo/src/common/faults.ts';
import { MES_QUEUE } from '../packages/demo/src/common/topology.ts';
import type { CountRow } from '../packages/demo/src/loadgen/counter.ts';
import { runLoad } from '../packages/demo/src/loadgen/engine.ts';
import { SEED_ROWS, SIGNALS } from '../packages/demo/src/signals/table.ts';
import { readSignals } from '../packages/demo/src/signals/view.ts';
import { bootstrapRequire } from '../packages/demo/src/supervisor.ts';
import { matcher, promName } from '../packages/metric-spec/src/index.ts';
import { METRICS as APP } from '../packages/otel-bootstrap/src/metrics.ts';
import { METRICS as PG } from '../packages/receiver-postgresql/src/metrics.ts';
import { METRICS as RMQ } from '../packages/receiver-rabbitmq/src/metrics.ts';
import { endpoints, influxQuery, type OwnCompany, promQuery, startOwnCompany, waitFor } from './support.ts';

const RUN = `e2e-${Date.now().toString(36)}`;
const NS = `foursignals-${RUN}`;
const VHOST = NS;
let company: OwnCompany;
let targets: OwnCompany['targets'];
let faultsFile: string;

function setFaults(f: Partial<Faults>): void {
  writeFaults(faultsFile, { ...noFaults(), ...f });
}

before(async () => {
  assert.ok(bootstrapRequire(), 'packages/otel-bootstrap must be built (npm run build) for the company to report');
  company = await startOwnCompany(NS);
  targets = company.targets;
  faultsFile = company.faultsFile;
});

after(async () => {
  await company?.stop();
});

/** Prometheus' count per service/route/method/status for this run (health checks are the harness's own). */
async function promCounts(): Promise<Map<string, number>> {
  const rows = await promQuery(
    `sum by (service_name, http_route, http_request_method, http_response_status_code) (http_server_request_duration_seconds_count{service_namespace="${NS}", http_route!="/api/health"})`,
  );
  const out = new Map<string, number>();
  for (const r of rows) {
    const m = r.metric;
    out.set(`${m.service_name} ${m.http_request_method} ${m.http_route ?? ''} ${m.http_response_status_code}`, r.value);
  }
  return out;
}

/** The same count from InfluxDB: the last cumulative count of each series, summed over the run's instances. */
async function influxCounts(): Promise<Map<string, number>> {
  const series = await influxQuery(
    `SELECT last("count") FROM "http.server.request.duration" WHERE "service.namespace" = '${NS}' AND time > now() - 15m GROUP BY "service.name", "http.route", "http.request.method", "http.response.status_code", "service.instance.id"`,
  );
  const out = new Map<string, number>();
  for (const s of series as { tags?: Record<string, string>; values: unknown[][] }[]) {
    const t = s.tags ?? {};
    if (t['http.route'] === '/api/health') continue;
    const key = `${t['service.name']} ${t['http.request.method']} ${t['http.route'] ?? ''} ${t['http.response.status_code']}`;
    out.set(key, (out.get(key) ?? 0) + Number(s.values[0]?.[1] ?? 0));
  }
  return out;
}

function loadCounts(rows: CountRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(`${r.service} ${r.method} ${r.route} ${r.status}`, r.count);
  return out;
}

const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

test('HTTP counts in Prometheus and InfluxDB equal the load generator’s own count per service, route, method and status', async () => {
  const result = await runLoad({
    targets,
    rate: 30,
    durationSec: 20,
    burstEverySec: 10,
    burstSec: 2,
    faultsFile,
    runId: RUN,
    everydayTrouble: false,
  });
  assert.ok(result.sent > 400, `sent ${result.sent}`);
  const want = loadCounts(result.counts);
  assert.ok(!result.counts.some((r) => r.status === 'error'), 'every request got an answer');
  for (const svc of ['mes-api', 'shop-api', 'crm-api']) {
    const statuses = new Set(result.counts.filter((r) => r.service === svc).map((r) => r.status[0]));
    assert.ok(statuses.has('2') && statuses.has('4'), `${svc}: a mix of 2xx and 4xx (${[...statuses]})`);
  }
  // Wait for the last export (2 s interval) and the collector's flush; then the counts must be equal, exactly.
  const got = await waitFor(
    'Prometheus to hold every request of the run',
    promCounts,
    (m) => JSON.stringify(sorted(m)) === JSON.stringify(sorted(want)),
    60_000,
  ).catch(async () => promCounts());
  assert.deepEqual(sorted(got), sorted(want));
  // and InfluxDB (the long-term store) holds the same numbers
  const inInflux = await waitFor(
    'InfluxDB to hold every request of the run',
    influxCounts,
    (m) => JSON.stringify(sorted(m)) === JSON.stringify(sorted(want)),
    60_000,
  ).catch(async () => influxCounts());
  assert.deepEqual(sorted(inInflux), sorted(want));
});

/** The signals the faults move, read from Prometheus (raw counters and gauges, not rates). */
async function faultSignals() {
  const one = async (q: string) => (await promQuery(q)).reduce((s, r) => s + r.value, 0);
  const q = `${matcher(RMQ.deadLettered, 'rabbitmq.vhost.name', VHOST)}, ${matcher(RMQ.deadLettered, 'rabbitmq.queue.name', 'mes.cost-calculation')}`;
  const dead = promName(RMQ.deadLettered);
  const reason = (r: 'rejected' | 'maxlen') => matcher(RMQ.deadLettered, 'rabbitmq.dead_letter.reason', r);
  const shop = matcher(PG.backends, 'db.namespace', 'shop');
  return {
    rejected: await one(`sum(${dead}{${q}, ${reason('rejected')}})`),
    maxlen: await one(`sum(${dead}{${q}, ${reason('maxlen')}})`),
    inFlight: await one(`sum(${promName(RMQ.queueMessages)}{${q}})`),
    consumers: await one(`sum(${promName(RMQ.queueConsumers)}{${q}})`),
    idleInTx: await one(
      `sum(${promName(PG.backends)}{${shop}, ${matcher(PG.backends, 'postgresql.state', 'idle_in_transaction')}})`,
    ),
    shopStatements: await one(`sum(${promName(PG.queryCalls)}{${shop}})`),
    shopTime: await one(`sum(${promName(PG.queryTime)}{${shop}})`),
    s3Errors: await one(
      `sum(${promName(APP.s3ClientDuration)}_count{service_namespace="${NS}", ${matcher(APP.s3ClientDuration, 'rpc.service', 'S3')}, http_response_status_code=~"4..|5.."})`,
    ),
  };
}

test('each fault switch moves its signal and the others stay calm', async (t) => {
  const ac = new AbortController();
  const load = runLoad({
    targets,
    floodRate: 60,
    rate: 25,
    durationSec: 0,
    burstEverySec: 0,
    faultsFile,
    signal: ac.signal,
    runId: `${RUN}c`,
    // a calm baseline: no rejected or expired orders but the faults'
    everydayTrouble: false,
  });
  const within = 90_000;
  type Signals = Awaited<ReturnType<typeof faultSignals>>;
  /** The current values, retried while a daemon of the shared stack is briefly away. */
  const now = () => waitFor('the fault signals', faultSignals, () => true, within);
  /** Switches one fault on, waits for its signal, checks the others, switches it off again. */
  const phase = async (
    name: string,
    fault: Partial<Faults>,
    moved: (now: Signals, base: Signals) => boolean,
    calm: (now: Signals, base: Signals) => string | undefined,
    recovered?: (now: Signals) => boolean,
    settleMs = 0,
  ) =>
    t.test(name, async () => {
      const base = await now();
      setFaults(fault);
      let failure: unknown;
      try {
        const x = await waitFor(`${name} to move its signal`, faultSignals, (v) => moved(v, base), within);
        const noisy = calm(x, base);
        assert.equal(noisy, undefined, `others calm during ${name}: ${JSON.stringify({ base, now: x })}`);
      } catch (err) {
        failure = err;
      } finally {
        setFaults({});
      }
      // recover before the next phase even after a failure, so one failure does not cascade into the next
      if (recovered)
        await waitFor(`${name} to recover`, faultSignals, recovered, within).catch((err) => {
          failure ??= err;
        });
      // late effects of the fault (requests in flight, the next export) land before the next phase's baseline
      if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
      if (failure) throw failure;
    });
  const quiet = (x: Signals, b: Signals, except: string): string | undefined => {
    if (except !== 'poison' && x.rejected > b.rejected) return 'rejected dead letters moved';
    if (except !== 'order-flood' && x.maxlen > b.maxlen) return 'maxlen dead letters moved';
    const queueFault = except === 'worker-stop' || except === 'order-flood';
    if (!queueFault && x.consumers < 1) return 'the worker stopped consuming';
    if (!queueFault && x.inFlight >= 50) return 'the backlog grew';
    if (except !== 'connection-leak' && x.idleInTx >= 5) return 'idle-in-transaction connections climbed';
    if (except !== 's3-errors' && x.s3Errors > b.s3Errors) return 'S3 errors moved';
    return undefined;
  };
  try {
    await phase(
      'worker-stop (no consumer, the backlog grows)',
      { workerStop: true },
      (x) => x.consumers === 0 && x.inFlight >= 15,
      (x, b) => quiet(x, b, 'worker-stop'),
      (x) => x.consumers >= 1 && x.inFlight < 15,
    );
    await phase(
      'connection-leak (idle-in-transaction connections on the Shop DB)',
      { connectionLeak: true },
      (x) => x.idleInTx >= 20,
      (x, b) => quiet(x, b, 'connection-leak'),
      (x) => x.idleInTx < 5,
    );
    await t.test('slow-queries (mean statement duration of the Shop DB)', async () => {
      // the normal mean over the last minute, then the mean over the statements run since the switch
      const shop = matcher(PG.queryCalls, 'db.namespace', 'shop');
      const [normal] = await promQuery(
        `sum(rate(${promName(PG.queryTime)}{${shop}}[1m])) / sum(rate(${promName(PG.queryCalls)}{${shop}}[1m]))`,
      );
      const normalMean = normal?.value ?? 0;
      const t1 = await now();
      setFaults({ slowQueries: true });
      try {
        const x = await waitFor(
          'the mean statement duration to rise',
          faultSignals,
          (v) =>
            v.shopStatements > t1.shopStatements + 50 &&
            (v.shopTime - t1.shopTime) / (v.shopStatements - t1.shopStatements) > Math.max(5 * normalMean, 0.005),
          within,
        );
        assert.equal(quiet(x, t1, 'slow-queries'), undefined, JSON.stringify({ t1, now: x }));
      } finally {
        setFaults({});
      }
    });
    await phase(
      's3-errors (the apps’ S3 calls fail with 403 and 404)',
      { s3Errors: true },
      (x, b) => x.s3Errors >= b.s3Errors + 5,
      (x, b) => quiet(x, b, 's3-errors'),
      undefined,
      8000,
    );
    await phase(
      'order-flood with the worker stopped (the bounded queue overflows: dead letters, reason maxlen)',
      { workerStop: true, orderFlood: true },
      (x, b) => x.maxlen >= b.maxlen + 10,
      (x, b) => quiet(x, b, 'order-flood'),
      (x) => x.consumers >= 1 && x.inFlight < 15,
      // the maxlen dead letters are counted through the receiver's tap: let the last ones land
      20_000,
    );
    // last: its dead letters are counted through the receiver's tap and keep arriving for a while after
    await phase(
      'poison (dead letters, reason rejected)',
      { poison: true },
      (x, b) => x.rejected >= b.rejected + 3,
      (x, b) => quiet(x, b, 'poison'),
    );
  } finally {
    setFaults({});
    ac.abort();
    await load;
  }
});

test('the default load alone moves every signal (rejected and expired orders, 5xx, database errors, new users) and the day’s new users never exceed the day’s active users', async () => {
  const q = `${matcher(RMQ.deadLettered, 'rabbitmq.vhost.name', VHOST)}, ${matcher(RMQ.deadLettered, 'rabbitmq.queue.name', MES_QUEUE)}`;
  const dead = promName(RMQ.deadLettered);
  const reason = (r: 'rejected' | 'expired') => matcher(RMQ.deadLettered, 'rabbitmq.dead_letter.reason', r);
  const one = async (expr: string) => (await promQuery(expr)).reduce((s, r) => s + r.value, 0);
  const everyday = async () => ({
    rejected: await one(`sum(${dead}{${q}, ${reason('rejected')}})`),
    expired: await one(`sum(${dead}{${q}, ${reason('expired')}})`),
    mesRollbacks: await one(`sum(${promName(PG.rollbacks)}{${matcher(PG.rollbacks, 'db.namespace', 'mes')}})`),
  });
  /** The two rows as the table shows them, read together. */
  const reconcile: { newToday: number; dau: number }[] = [];
  // The two rows as the table computes them, scoped to this test's company: other tests' companies on the same
  // stack add new users today while their DAU gauges have gone stale, which says nothing about one company.
  const scoped = (promql: string) =>
    promql.replace(/\b([a-z_]+)(\{|\[)/g, (m, name: string, open: string) =>
      name.startsWith('app_users_') ? `${name}{service_namespace="${NS}"${open === '{' ? ',' : '}['}` : m,
    );
  const readReconcile = async () => {
    const vs = await readSignals(
      endpoints.prometheus_url,
      SIGNALS.filter((r) => r.id === 'business.new_users.today' || r.id === 'mes-api.dau').map((r) => ({
        ...r,
        promql: scoped(r.promql),
      })),
    );
    const newToday = vs.find((v) => v.id === 'business.new_users.today')?.value;
    const dau = vs.find((v) => v.id === 'mes-api.dau')?.value;
    if (newToday !== undefined && dau !== undefined) reconcile.push({ newToday, dau });
  };
  const base = await waitFor('the everyday signals', everyday, () => true, 60_000);
  const ac = new AbortController();
  let serverErrors = 0; // the load's own live count of 5xx answers
  const load = runLoad({
    targets,
    rate: 30,
    durationSec: 0,
    burstEverySec: 0,
    faultsFile,
    signal: ac.signal,
    runId: `${RUN}d`,
    onProgress: (_sent, counter) => {
      serverErrors = counter
        .rows()
        .filter((r) => r.status.startsWith('5'))
        .reduce((s, r) => s + r.count, 0);
    },
  });
  let counts: CountRow[] = [];
  try {
    // a few users the company has never seen: new today and active today
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${targets['mes-api']}/api/orders`, { headers: { 'x-user-id': `probe-${RUN}-${i}` } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    // one purchase order resubmitted on purpose (the load's own resubmissions are random): 202, then 409
    const catalogue = (await (
      await fetch(`${targets['mes-api']}/api/materials`, { headers: { 'x-user-id': `probe-${RUN}-0` } })
    ).json()) as { materials: Record<string, unknown>; machines: Record<string, unknown> };
    const po = {
      poNumber: `PO-${RUN}-probe`,
      product: 'gearbox',
      quantity: 2,
      materials: [{ sku: Object.keys(catalogue.materials)[0], qty: 1 }],
      operations: [{ machine: Object.keys(catalogue.machines)[0], minutes: 5 }],
    };
    for (const expected of [202, 409]) {
      const res = await fetch(`${targets['mes-api']}/api/orders`, {
        method: 'POST',
        headers: { 'x-user-id': `probe-${RUN}-0`, 'content-type': 'application/json' },
        body: JSON.stringify(po),
      });
      assert.equal(res.status, expected, await res.text());
    }
    // the worker holds calculations for 8 s once a minute: urgent orders (3 s deadline) expire meanwhile
    await waitFor(
      'rejected and expired orders, a MES DB error and a 5xx from the default load',
      async () => {
        await readReconcile();
        return { ...(await everyday()), serverErrors };
      },
      (x) =>
        x.rejected > base.rejected &&
        x.expired > base.expired &&
        x.mesRollbacks > base.mesRollbacks &&
        x.serverErrors > 0,
      200_000,
    );
  } finally {
    ac.abort();
    counts = (await load).counts;
  }
  const count = (f: (r: CountRow) => boolean) => counts.filter(f).reduce((s, r) => s + r.count, 0);
  assert.ok(count((r) => r.status.startsWith('5')) > 0, 'an occasional 5xx');
  // every resubmitted purchase order is a unique violation in the MES DB: a rolled-back transaction each
  // the load's resubmissions plus the one above
  const conflicts = count((r) => r.service === 'mes-api' && r.route === '/api/orders' && r.status === '409') + 1;
  await waitFor(
    'a MES DB rollback for every resubmitted purchase order',
    everyday,
    (x) => x.mesRollbacks - base.mesRollbacks >= conflicts,
    60_000,
  );
  await readReconcile();
  assert.ok(reconcile.length >= 3, `read both rows several times: ${JSON.stringify(reconcile)}`);
  assert.ok(reconcile.at(-1)!.newToday >= 1, `new users today: ${JSON.stringify(reconcile.at(-1))}`);
  const over = reconcile.filter((r) => Math.round(r.newToday) > r.dau);
  assert.deepEqual(over, [], 'new users today above the day’s active users');
});

test('every row of the seed’s table has a value in Prometheus and in InfluxDB', async () => {
  // last, so the fault test's dead letters are there too; the rate rows need traffic in the last minute: keep a light
  // load on
  const ac = new AbortController();
  const load = runLoad({
    targets,
    rate: 20,
    durationSec: 0,
    burstEverySec: 0,
    faultsFile,
    signal: ac.signal,
    runId: `${RUN}b`,
  });
  try {
    const values = await waitFor(
      'every signal of the seed’s table in Prometheus',
      () => readSignals(endpoints.prometheus_url, SEED_ROWS),
      (vs) => vs.every((v) => !v.missing),
      90_000,
    ).catch(() => readSignals(endpoints.prometheus_url, SEED_ROWS));
    const missing = values.filter((v) => v.missing).map((v) => `${v.id} ${v.error ?? ''}`.trim());
    assert.deepEqual(missing, [], 'rows missing in Prometheus');
    const influxMissing = async () => {
      const out: string[] = [];
      for (const row of SEED_ROWS) {
        const where = row.influx.where ? `${row.influx.where} AND ` : '';
        const series = await influxQuery(
          `SELECT count(*) FROM "${row.influx.measurement}" WHERE ${where}time > now() - 15m`,
        ).catch(() => []);
        if (series.length === 0) out.push(`${row.id} (${row.influx.measurement})`);
      }
      return out;
    };
    const missingInflux = await waitFor('every row in InfluxDB', influxMissing, (m) => m.length === 0, 60_000).catch(
      () => influxMissing(),
    );
    assert.deepEqual(missingInflux, [], 'rows missing in InfluxDB');
  } finally {
    setFaults({});
    ac.abort();
    await load;
  }
});
