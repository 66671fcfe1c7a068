// End to end alerting: Prometheus (with deploy/prometheus/rules loaded) -> Alertmanager -> a webhook this test owns
// (the stack's Alertmanager routes every alert to 127.0.0.1:PORTS.alertWebhook). The test runs its own instance of
// the demo company in a RabbitMQ vhost of its own (so no other run's worker drains its queue) under MES load; the
// MES worker is stopped (the demo's worker-stop fault cancels its consumer): the backlog alert MesQueueNoConsumers
// must reach the webhook no sooner than its `for`, within the evaluation and delivery delays after it; the worker is
// started again: the alert must arrive resolved. The measured time to alert is printed.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { PORTS } from '@foursignals/stack';
import { durationSeconds, loadConfig } from '../packages/dashboards/src/config.ts';
import { CONFIG_FILE, REPO_ROOT } from '../packages/dashboards/src/generate.ts';
import { noFaults, writeFaults } from '../packages/demo/src/common/faults.ts';
import { MES_QUEUE } from '../packages/demo/src/common/topology.ts';
import { runLoad } from '../packages/demo/src/loadgen/engine.ts';
import { label, promName } from '../packages/metric-spec/src/index.ts';
import { METRICS as RMQ } from '../packages/receiver-rabbitmq/src/metrics.ts';
import { endpoints, type OwnCompany, promQuery, startOwnCompany, waitFor } from './support.ts';

const ALERT = 'MesQueueNoConsumers';
const config = loadConfig(`${REPO_ROOT}/${CONFIG_FILE}`);
const forSeconds = durationSeconds(config.queues.noConsumersFor);

interface Notification {
  at: number;
  status: string;
  alerts: { status: string; labels: Record<string, string>; startsAt: string; endsAt: string }[];
}

const RUN = `alerts-${Date.now().toString(36)}`;
const VHOST = `foursignals-${RUN}`;
let faultsFile: string;
const received: Notification[] = [];
let server: Server;
let company: OwnCompany;
const load = new AbortController();
let loadDone: Promise<unknown> = Promise.resolve();

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      try {
        received.push({ at: Date.now(), ...(JSON.parse(body) as Omit<Notification, 'at'>) });
      } catch {}
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORTS.alertWebhook, '127.0.0.1', resolve);
  });
  company = await startOwnCompany(VHOST);
  faultsFile = company.faultsFile;
  // Orders for the MES until the end of the test (the other services are not needed here).
  loadDone = runLoad({
    targets: company.targets,
    services: ['mes-api'],
    rate: 5,
    durationSec: 0,
    burstEverySec: 0,
    faultsFile,
    runId: RUN,
    signal: load.signal,
  }).catch(() => undefined);
});

after(async () => {
  load.abort();
  await loadDone;
  await company?.stop();
  await new Promise((resolve) => server.close(resolve));
});

function ours(n: Notification['alerts'][number]): boolean {
  return n.labels.alertname === ALERT && n.labels.rabbitmq_vhost_name === VHOST && n.labels[QUEUE] === MES_QUEUE;
}

const QUEUE = label(RMQ.queueConsumers, 'rabbitmq.queue.name');
const SEL = `${label(RMQ.queueConsumers, 'rabbitmq.vhost.name')}="${VHOST}", ${QUEUE}="${MES_QUEUE}"`;

async function firing(): Promise<boolean> {
  const r = await promQuery(`ALERTS{alertname="${ALERT}", alertstate="firing", ${QUEUE}="${MES_QUEUE}"}`);
  return r.length > 0;
}

test('every rule of deploy/prometheus/rules is loaded and evaluates on live data without error', async () => {
  const body = (await (await fetch(`${endpoints.prometheus_url}/api/v1/rules`)).json()) as {
    data: { groups: { name: string; file: string; rules: { name: string; health: string; lastError?: string }[] }[] };
  };
  const ours = body.data.groups.filter((g) => g.file.includes(`deploy/prometheus/rules/`));
  const files = new Set(ours.map((g) => g.file.replace(/.*\//, '')));
  assert.deepEqual([...files].sort(), ['api.yml', 'databases.yml', 'mes.yml', 'pipeline.yml', 's3.yml']);
  const unhealthy = ours.flatMap((g) =>
    g.rules
      .filter((r) => r.health !== 'ok' && r.health !== 'unknown')
      .map((r) => `${g.name}/${r.name}: ${r.lastError}`),
  );
  assert.deepEqual(unhealthy, []);
});

test('the backlog alert reaches the webhook when the MES worker stops, and resolves when it is back', async () => {
  // The rules are loaded and the queue is watched with its consumer attached.
  const groups = (await (await fetch(`${endpoints.prometheus_url}/api/v1/rules`)).json()) as {
    data: { groups: { rules: { name: string }[] }[] };
  };
  assert.ok(
    groups.data.groups.some((g) => g.rules.some((r) => r.name === ALERT)),
    'Prometheus has not loaded deploy/prometheus/rules/mes.yml',
  );
  await waitFor(
    `the RabbitMQ receiver to report a consumer on ${MES_QUEUE} in vhost ${VHOST}`,
    () => promQuery(`sum(${promName(RMQ.queueConsumers)}{${SEL}})`),
    (r) => (r[0]?.value ?? 0) >= 1,
    180_000,
  );
  await waitFor(`${ALERT} not firing before the fault`, firing, (f) => !f, 180_000);

  // Stop the worker under load.
  const stoppedAt = Date.now();
  writeFaults(faultsFile, { ...noFaults(), workerStop: true });
  const fired = await waitFor(
    `${ALERT} at the webhook`,
    async () => received.find((n) => n.at >= stoppedAt && n.alerts.some((a) => a.status === 'firing' && ours(a))),
    (n) => n !== undefined,
    forSeconds * 1000 + 240_000,
  );
  const timeToAlert = (fired!.at - stoppedAt) / 1000;
  const alert = fired!.alerts.find(ours)!;
  console.log(
    `# time to alert: ${timeToAlert.toFixed(1)} s from stopping the worker to the webhook ` +
      `(for ${forSeconds} s + receiver scrape, export, rule evaluation every 15 s, Alertmanager group_wait 5 s)`,
  );
  assert.ok(timeToAlert >= forSeconds, `fired after ${timeToAlert} s, before its for of ${forSeconds} s`);
  assert.equal(alert.labels.severity, 'critical');
  assert.equal(alert.labels.rabbitmq_vhost_name, VHOST);

  // Start it again: the alert resolves.
  const restartedAt = Date.now();
  writeFaults(faultsFile, noFaults());
  const resolved = await waitFor(
    `${ALERT} resolved at the webhook`,
    async () => received.find((n) => n.at >= restartedAt && n.alerts.some((a) => a.status === 'resolved' && ours(a))),
    (n) => n !== undefined,
    240_000,
  );
  console.log(`# time to resolve: ${((resolved!.at - restartedAt) / 1000).toFixed(1)} s after restarting the worker`);
});
