import assert from 'node:assert/strict';
import { test } from 'node:test';
import { M } from '../src/metrics.ts';
import { promLabel, promName } from '../src/promnames.ts';

test('OpenTelemetry names translate the way the collector writes them to Prometheus', () => {
  const cases: [Parameters<typeof promName>[0], string][] = [
    [
      { name: 'http.server.request.duration', instrument: 'histogram', unit: 's' },
      'http_server_request_duration_seconds',
    ],
    [{ name: 'process.cpu.utilization', instrument: 'gauge', unit: '1' }, 'process_cpu_utilization_ratio'],
    [{ name: 'process.memory.usage', instrument: 'updowncounter', unit: 'By' }, 'process_memory_usage_bytes'],
    [
      { name: 'postgresql.transactions', instrument: 'counter', unit: '{transaction}' },
      'postgresql_transactions_total',
    ],
    [
      { name: 'postgresql.statement.time', instrument: 'counter', unit: 's' },
      'postgresql_statement_time_seconds_total',
    ],
    [{ name: 'rabbitmq.queue.messages', instrument: 'gauge', unit: '{message}' }, 'rabbitmq_queue_messages'],
    [
      { name: 'rabbitmq.messages.dead_lettered', instrument: 'counter', unit: '{message}' },
      'rabbitmq_messages_dead_lettered_total',
    ],
    [{ name: 'receiver.scrape.duration', instrument: 'gauge', unit: 's' }, 'receiver_scrape_duration_seconds'],
    [{ name: 's3.bucket.size', instrument: 'gauge', unit: 'By' }, 's3_bucket_size_bytes'],
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

test('the metric table yields the names the rules use', () => {
  assert.equal(M.httpServerDuration, 'http_server_request_duration_seconds');
  assert.equal(M.pgErrors, 'postgresql_errors_total');
  assert.equal(M.rmqConsumers, 'rabbitmq_queue_consumers');
  assert.equal(M.shopRevenue, 'shop_revenue_total');
});
