// OTLP metrics from the OTel JS SDK -> our collector -> Prometheus (remote write) and InfluxDB (v1 compatibility),
// read back through each backend's query API with the exact values and labels that were sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { influxQuery, otlpMeterProvider, promQuery, uniqueName, waitFor } from './support.ts';

describe('pipeline: OTLP in, Prometheus and InfluxDB out', () => {
  const service = uniqueName('e2e-pipeline');
  const { provider, exporter } = otlpMeterProvider(service);
  const meter = provider.getMeter('e2e');

  before(async () => {
    const orders = meter.createCounter('e2e.orders', { description: 'orders', unit: '{order}' });
    orders.add(3, { 'http.route': '/orders/:id', 'http.request.method': 'GET' });
    orders.add(5, { 'http.route': '/orders', 'http.request.method': 'POST' });
    const latency = meter.createHistogram('e2e.latency', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.05, 0.25, 1] },
    });
    for (const v of [0.1, 0.2, 0.3]) latency.record(v, { 'http.route': '/orders/:id' });
    const depth = meter.createGauge('e2e.queue.depth', { unit: '{message}' });
    depth.record(42, { 'messaging.destination.name': 'mes.cost-calculation' });
    await provider.forceFlush();
    assert.ok(exporter.accepted >= 1, 'the collector accepted the export');
  });
  after(() => provider.shutdown());

  it('delivers a counter to Prometheus with its attributes and service.name as labels', async () => {
    const rows = await waitFor(
      'e2e_orders_total in Prometheus',
      () => promQuery(`e2e_orders_total{service_name="${service}"}`),
      (r) => r.length === 2,
    );
    const byRoute = Object.fromEntries(rows.map((r) => [r.metric.http_route, r]));
    assert.equal(byRoute['/orders/:id']?.value, 3);
    assert.equal(byRoute['/orders']?.value, 5);
    assert.equal(byRoute['/orders']?.metric.http_request_method, 'POST');
    assert.equal(byRoute['/orders']?.metric.job, service);
  });

  it('delivers a histogram to Prometheus with count, sum and buckets', async () => {
    const sel = `service_name="${service}",http_route="/orders/:id"`;
    const [count] = await waitFor(
      'histogram count',
      () => promQuery(`e2e_latency_seconds_count{${sel}}`),
      (r) => r.length === 1,
    );
    assert.equal(count?.value, 3);
    const [sum] = await promQuery(`e2e_latency_seconds_sum{${sel}}`);
    assert.ok(Math.abs((sum?.value ?? 0) - 0.6) < 1e-9, `sum ${sum?.value}`);
    const buckets = await promQuery(`e2e_latency_seconds_bucket{${sel}}`);
    const le = Object.fromEntries(buckets.map((b) => [b.metric.le, b.value]));
    assert.deepEqual(le, { '0.05': 0, '0.25': 2, '1': 3, '+Inf': 3 });
  });

  it('delivers a gauge to Prometheus', async () => {
    const [g] = await waitFor(
      'gauge',
      () => promQuery(`e2e_queue_depth{service_name="${service}"}`),
      (r) => r.length === 1,
    );
    assert.equal(g?.value, 42);
    assert.equal(g?.metric.messaging_destination_name, 'mes.cost-calculation');
  });

  it('delivers the same counter, histogram and gauge to InfluxDB', async () => {
    const where = `WHERE "service.name" = '${service}'`;
    const orders = await waitFor(
      'e2e_orders in InfluxDB',
      () => influxQuery(`SELECT last("counter") FROM "e2e.orders" ${where} GROUP BY "http.route"`),
      (s) => s.length === 2,
    );
    const byRoute = Object.fromEntries(
      orders.map((s) => [(s as { tags?: Record<string, string> }).tags?.['http.route'], s.values[0]?.[1]]),
    );
    assert.deepEqual(byRoute, { '/orders/:id': 3, '/orders': 5 });
    const latency = await waitFor(
      'e2e.latency in InfluxDB',
      () => influxQuery(`SELECT last("count"), last("sum") FROM "e2e.latency" ${where}`),
      (s) => s.length === 1,
    );
    assert.equal(latency[0]?.values[0]?.[1], 3);
    assert.ok(Math.abs(Number(latency[0]?.values[0]?.[2]) - 0.6) < 1e-9);
    const depth = await waitFor(
      'e2e.queue.depth in InfluxDB',
      () => influxQuery(`SELECT last("gauge") FROM "e2e.queue.depth" ${where}`),
      (s) => s.length === 1,
    );
    assert.equal(depth[0]?.values[0]?.[1], 42);
  });
});
