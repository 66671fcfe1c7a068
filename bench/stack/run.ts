// Figures for the local stack (docs/benchmarks.md, "Local stack and collector"):
//  - cold `up` (a fresh state directory: initdb, RabbitMQ's first boot, ...; the collector binary already cached)
//    and warm `up` (same state, daemons stopped), on a second stack beside the main one (port offset 500);
//  - freshness: from the SDK's export returning to the point being queryable in Prometheus, 60 samples;
//  - the collector's RSS when idle.
// Usage: node bench/stack/run.ts   (the main stack must be up: npm run stack -- up)
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { readEndpoints } from '../../packages/stack/src/endpoints.ts';
import { promQuery } from '../../packages/test-support/src/index.ts';

const cli = join(import.meta.dirname, '..', '..', 'packages', 'stack', 'src', 'cli.ts');
const e = readEndpoints();

function timedUp(env: Record<string, string>): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, 'up'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return (performance.now() - t) / 1000;
}

const state = mkdtempSync(join(tmpdir(), 'foursignals-bench-'));
chmodSync(state, 0o755);
const env = { FOURSIGNALS_STATE_DIR: state, FOURSIGNALS_PORT_OFFSET: '500' };
const cold = timedUp(env);
spawnSync(process.execPath, [cli, 'down'], { env: { ...process.env, ...env } });
const warm = timedUp(env);
spawnSync(process.execPath, [cli, 'down'], { env: { ...process.env, ...env } });
rmSync(state, { recursive: true, force: true });

// Freshness through the main stack.
const service = `bench-freshness-${Date.now().toString(36)}`;
const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({
        url: `${e.otlp_http_url}/v1/metrics`,
        temporalityPreference: AggregationTemporality.CUMULATIVE,
      }),
      exportIntervalMillis: 60_000,
    }),
  ],
});
const gauge = provider.getMeter('bench').createGauge('bench.freshness.seq');
const samples: number[] = [];
for (let i = 1; i <= 60; i++) {
  gauge.record(i);
  await provider.forceFlush();
  const t0 = performance.now();
  const q = `bench_freshness_seq{service_name="${service}"}`;
  for (;;) {
    if ((await promQuery(q, e.prometheus_url))[0]?.value === i) break;
    if (performance.now() - t0 > 30_000) throw new Error(`point ${i} not queryable after 30 s`);
    await sleep(25);
  }
  samples.push((performance.now() - t0) / 1000);
}
await provider.shutdown();
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? NaN;

await sleep(10_000);
const pid = readFileSync(join(e.state_dir, 'run', 'collector.pid'), 'utf8').trim();
const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

const versions = {
  node: process.version,
  prometheus: spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
  collector: 'otelcol-foursignals (core v0.161.0 / contrib v0.161.0)',
};
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      versions,
      up_cold_s: +cold.toFixed(1),
      up_warm_s: +warm.toFixed(1),
      freshness_s: {
        samples: samples.length,
        p50: +pct(50).toFixed(2),
        p95: +pct(95).toFixed(2),
        max: +(samples.at(-1) ?? 0).toFixed(2),
      },
      collector_idle_rss_mib: +rss.toFixed(1),
    },
    null,
    2,
  ),
);
