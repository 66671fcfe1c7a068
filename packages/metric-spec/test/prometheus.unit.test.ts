import assert from 'node:assert/strict';
import { test } from 'node:test';
import { label, matcher, promLabel, promName, promNames } from '../src/prometheus.ts';
import type { AttributesOf, MetricSpec } from '../src/spec.ts';

// Made-up names: the real ones are written only in their emitters' tables.
test('OpenTelemetry names translate the way the collector writes them to Prometheus', () => {
  const cases: [Parameters<typeof promName>[0], string][] = [
    [
      { name: 'example.server.request.duration', instrument: 'histogram', unit: 's' },
      'example_server_request_duration_seconds',
    ],
    [{ name: 'example.cpu.utilization', instrument: 'gauge', unit: '1' }, 'example_cpu_utilization_ratio'],
    [{ name: 'example.cpu.utilization', instrument: 'updowncounter', unit: '1' }, 'example_cpu_utilization'],
    [{ name: 'example.memory.usage', instrument: 'updowncounter', unit: 'By' }, 'example_memory_usage_bytes'],
    [{ name: 'example.commits', instrument: 'counter', unit: '1' }, 'example_commits_total'],
    [{ name: 'example.transactions', instrument: 'counter', unit: '{transaction}' }, 'example_transactions_total'],
    [{ name: 'example.query.time', instrument: 'counter', unit: 's' }, 'example_query_time_seconds_total'],
    [{ name: 'example.message.current', instrument: 'updowncounter', unit: '{message}' }, 'example_message_current'],
    [{ name: 'example.scrape.duration', instrument: 'gauge', unit: 's' }, 'example_scrape_duration_seconds'],
    [{ name: 'example.bucket.size', instrument: 'gauge', unit: 'By' }, 'example_bucket_size_bytes'],
    [{ name: 'requests.total', instrument: 'counter', unit: '1' }, 'requests_total'],
    [{ name: 'net.io', instrument: 'counter', unit: 'By/s' }, 'net_io_bytes_per_second_total'],
    [{ name: 'cache.hit.ratio', instrument: 'gauge', unit: '1' }, 'cache_hit_ratio'],
    [{ name: '2xx.count', instrument: 'gauge', unit: '' }, '_2xx_count'],
  ];
  for (const [metric, expected] of cases) assert.equal(promName(metric), expected, metric.name);
});

test('attribute names become label names', () => {
  assert.equal(promLabel('db.namespace'), 'db_namespace');
  assert.equal(promLabel('service.name'), 'service_name');
  assert.equal(promLabel('rabbitmq.dead_letter.reason'), 'rabbitmq_dead_letter_reason');
  assert.equal(promLabel('http.response.status_code'), 'http_response_status_code');
});

const TABLE = {
  backends: {
    name: 'example.backends',
    instrument: 'updowncounter',
    unit: '1',
    description: 'Example.',
    attributes: {
      'db.namespace': { description: 'Database.' },
      'example.state': { description: 'State.', values: ['active', 'idle'] },
    },
  },
} as const satisfies Record<string, MetricSpec>;

test('typed helpers: a table yields its Prometheus names, labels and matchers', () => {
  assert.deepEqual(promNames(TABLE), { backends: 'example_backends' });
  assert.equal(label(TABLE.backends, 'db.namespace'), 'db_namespace');
  assert.equal(matcher(TABLE.backends, 'example.state', 'idle'), 'example_state="idle"');
  assert.equal(matcher(TABLE.backends, 'db.namespace', 'shop', '!='), 'db_namespace!="shop"');
  // @ts-expect-error: not an attribute of the metric
  label(TABLE.backends, 'db.name');
  // @ts-expect-error: not one of the attribute's values
  matcher(TABLE.backends, 'example.state', 'sleeping');
  // a point's attributes (what a receiver records): every declared attribute, values from their sets
  const point: AttributesOf<typeof TABLE.backends> = { 'db.namespace': 'shop', 'example.state': 'active' };
  // @ts-expect-error: not one of the attribute's values
  const wrongValue: AttributesOf<typeof TABLE.backends> = { 'db.namespace': 'shop', 'example.state': 'sleeping' };
  // @ts-expect-error: an attribute the metric does not declare
  const wrongKey: AttributesOf<typeof TABLE.backends> = { 'db.name': 'shop', 'example.state': 'idle' };
  assert.ok(point && wrongValue && wrongKey);
});
