import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FAULT_NAMES, noFaults, readFaults, writeFaults } from '../src/common/faults.ts';
import { signJwt, verifyJwt } from '../src/common/jwt.ts';
import { RequestCounter } from '../src/loadgen/counter.ts';
import { runLoad } from '../src/loadgen/engine.ts';
import userIdentity from '../src/mes-api/user-identity.ts';
import { calculateCost, checkShape, invalidReason } from '../src/mes-worker/costing.ts';
import { alertConcerns, rowAlerts } from '../src/signals/alerts.ts';
import { promqlNow, SEED_ROWS, SIGNALS } from '../src/signals/table.ts';
import { formatValue } from '../src/signals/view.ts';

test('JWT: signed tokens verify, tampered or expired ones do not', () => {
  const t = signJwt({ sub: 'u1' }, 's3cret');
  assert.deepEqual(verifyJwt(t, 's3cret'), { sub: 'u1' });
  assert.equal(verifyJwt(t, 'other'), undefined);
  assert.equal(verifyJwt(`${t}x`, 's3cret'), undefined);
  assert.equal(verifyJwt('not.a.token', 's3cret'), undefined);
  assert.equal(verifyJwt(signJwt({ sub: 'u1', exp: 10 }, 's3cret'), 's3cret', 20), undefined);
});

test('the DAU identity hook reads x-user-id or the bearer token’s sub', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  assert.equal(userIdentity(req({ 'x-user-id': 'alice' })), 'alice');
  assert.equal(userIdentity(req({ authorization: `Bearer ${signJwt({ sub: 'bob' }, 'k')}` })), 'bob');
  assert.equal(userIdentity(req({ authorization: 'Bearer garbage' })), undefined);
  assert.equal(userIdentity(req({})), undefined);
});

test('cost calculation: deterministic per order, rejects unknown materials and machines', () => {
  const spec = checkShape({
    product: 'gearbox',
    quantity: 10,
    materials: [{ sku: 'steel-sheet', qty: 2 }],
    operations: [{ machine: 'cnc-mill', minutes: 30 }],
  });
  assert.equal(typeof spec, 'object');
  if (typeof spec === 'string') return;
  assert.equal(invalidReason(spec), undefined);
  const a = calculateCost(spec, 42);
  assert.deepEqual(calculateCost(spec, 42), a);
  assert.equal(a.materialCost, 850);
  assert.equal(a.machineCost, 600);
  assert.ok(a.totalCost >= a.materialCost + a.machineCost * 0.85 && a.p90TotalCost >= a.totalCost);
  assert.match(invalidReason({ ...spec, materials: [{ sku: 'unobtainium', qty: 1 }] }) ?? '', /unknown material/);
  assert.match(invalidReason({ ...spec, operations: [{ machine: 'x', minutes: 1 }] }) ?? '', /unknown machine/);
  assert.equal(typeof checkShape({ product: 'x', quantity: -1 }), 'string');
});

test('fault switches round-trip through the file; a missing file means no faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-faults-'));
  try {
    const file = join(dir, 'faults.json');
    assert.deepEqual(readFaults(file), noFaults());
    writeFaults(file, { ...noFaults(), workerStop: true });
    assert.equal(readFaults(file).workerStop, true);
    assert.equal(readFaults(file).poison, false);
    assert.equal(Object.keys(FAULT_NAMES).length, Object.keys(noFaults()).length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the signals table: unique ids, every system of the seed present, formats', () => {
  const ids = SIGNALS.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const systems = new Set(SEED_ROWS.map((r) => r.system));
  for (const s of [
    'MES (cost calculation)',
    'RabbitMQ',
    'MES API',
    'Shop API',
    'CRM API',
    'Shop DB',
    'MES DB',
    'S3 storage',
  ])
    assert.ok(systems.has(s), s);
  assert.equal(formatValue(0.0123, 'seconds'), '12.3 ms');
  assert.equal(formatValue(3 * 1024 * 1024, 'bytes'), '3.0 MiB');
  assert.equal(formatValue(1234.6, 'total'), '1,235');
  assert.equal(formatValue(98765.4, 'eur'), '€98,765');
});

test('business rows say their window; $__today is the range since 00:00 UTC', () => {
  const business = SIGNALS.filter((r) => r.method === 'Business');
  for (const r of business)
    assert.match(r.signal, /today|last 60 min|next 3 h|last 7|last 30/, `${r.id}: "${r.signal}" names its window`);
  const at = Date.UTC(2026, 0, 2, 10, 30, 15);
  assert.equal(promqlNow('increase(x[$__today])', at), `increase(x[${10 * 3600 + 30 * 60 + 15}s])`);
  assert.equal(promqlNow('increase(x[$__today])', Date.UTC(2026, 0, 2, 0, 0, 5)), 'increase(x[60s])');
});

test('the alerts the page shows per row exist in deploy/prometheus/rules and match by their labels', () => {
  const rulesDir = join(import.meta.dirname, '..', '..', '..', 'deploy', 'prometheus', 'rules');
  const names = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => [...readFileSync(join(rulesDir, f), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]!));
  const mapped = SEED_ROWS.filter((r) => rowAlerts(r));
  assert.ok(mapped.length >= 20, `rows with alerts: ${mapped.length}`);
  for (const row of mapped) {
    const ra = rowAlerts(row)!;
    assert.ok(
      names.some((n) => ra.names.test(n)),
      `${row.id}: no alert in the rules matches ${ra.names}`,
    );
  }
  const shopErrors = rowAlerts({ id: 'shop-api.errors' });
  assert.ok(
    alertConcerns({ labels: { alertname: 'ApiAvailabilityBudgetBurnFast', service_name: 'shop-api' } }, shopErrors),
  );
  assert.ok(
    !alertConcerns({ labels: { alertname: 'ApiAvailabilityBudgetBurnFast', service_name: 'mes-api' } }, shopErrors),
  );
  assert.ok(!alertConcerns({ labels: { alertname: 'MesDeadLetters' } }, shopErrors));
  const dl = rowAlerts({ id: 'rabbitmq.dead_letters' });
  assert.ok(
    alertConcerns({ labels: { alertname: 'MesDeadLetters', rabbitmq_queue_name: 'mes.cost-calculation' } }, dl),
  );
  assert.ok(!alertConcerns({ labels: { alertname: 'MesDeadLetters', rabbitmq_queue_name: 'other' } }, dl));
});

test('the load generator counts every request it sends, by service, route template, method and status', async () => {
  // a real HTTP server that answers by path, standing in for the three APIs
  const seen = new RequestCounter();
  const server = createServer((req, res) => {
    const status = req.url?.includes('/999') ? 404 : req.method === 'POST' ? 201 : 200;
    seen.add('any', '', req.method ?? '', String(status));
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  try {
    const result = await runLoad({
      targets: { 'mes-api': base, 'shop-api': base, 'crm-api': base },
      rate: 200,
      durationSec: 2,
      burstEverySec: 0,
    });
    // How many it manages to send in 2 s depends on the machine's load (no timed assertion): that it sent some,
    // and that every one of them is counted once, does not.
    assert.ok(result.sent > 0, `sent ${result.sent}`);
    const total = result.counts.reduce((s, r) => s + r.count, 0);
    assert.equal(total, result.sent);
    assert.equal(seen.total(), result.sent, 'the server saw exactly what the generator counted');
    const services = new Set(result.counts.map((r) => r.service));
    assert.deepEqual([...services].sort(), ['crm-api', 'mes-api', 'shop-api']);
    assert.ok(result.counts.every((r) => r.route === '' || r.route.startsWith('/api/')));
    assert.ok(
      result.counts.some((r) => r.route.includes(':id')),
      'routes are templates',
    );
  } finally {
    server.close();
  }
});
