// Every query of the signals table parses as PromQL (promtool, offline): the queries are assembled from the
// emitters' metric tables, so a broken template shows here before the view shows an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promName } from '@foursignals/metric-spec';
import { BUSINESS_METRICS } from '../src/metrics.ts';
import { promqlNow, SIGNALS } from '../src/signals/table.ts';

test('every signal query is valid PromQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signals-promql-'));
  try {
    const file = join(dir, 'signals.json');
    const rules = SIGNALS.map((s, i) => ({ record: `signal:query:${i}`, expr: promqlNow(s.promql) }));
    // promtool reads rule files as YAML, and JSON is YAML
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'signals', rules }] }));
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    if (r.error) throw new Error(`promtool not runnable (${r.error.message}): install Debian's prometheus package`);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${SIGNALS.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a forecast extends the 2 h trend only once it has 30 min of history; before that it holds the current rate', () => {
  const row = SIGNALS.find((s) => s.id === 'business.shop_orders.forecast');
  assert.ok(row, 'the shop orders forecast row');
  const name = `${promName(BUSINESS_METRICS.shopOrders)}{service_name="shop-api"}`;
  const now = `3 * 3600 * sum(rate(${name}[15m]))`;
  // an accelerating counter, one sample a minute: its rate grows by 0.01/s every minute
  const accelerating = (minutes: number) =>
    Array.from({ length: minutes + 1 }, (_, m) => Math.round(30 * m * m)).join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'signals-forecast-'));
  try {
    const file = join(dir, 'forecast.test.json');
    const cases = [
      // 10 minutes old: a start-up ramp extrapolated 90 minutes ahead would be absurd; the current rate is held
      { series: accelerating(10), at: '10m', expr: `(${row.promql}) - ${now}`, value: 0 },
      // 2 hours of history: the trend is extended, above what the current rate alone gives
      { series: accelerating(120), at: '120m', expr: `(${row.promql}) > bool ${now}`, value: 1 },
      // a steady 1 order/s for 2.5 hours: 10,800 in the next 3 hours
      { series: '0+60x150', at: '150m', expr: row.promql, value: 10_800 },
    ];
    const tests = cases.map((c) => ({
      interval: '1m',
      input_series: [{ series: name, values: c.series }],
      promql_expr_test: [{ expr: c.expr, eval_time: c.at, exp_samples: [{ labels: '{}', value: c.value }] }],
    }));
    writeFileSync(file, JSON.stringify({ rule_files: [], evaluation_interval: '1m', tests }));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    if (r.error) throw new Error(`promtool not runnable (${r.error.message}): install Debian's prometheus package`);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
