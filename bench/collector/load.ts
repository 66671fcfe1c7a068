// Collector capacity benchmark (docs/scaling.md, docs/benchmarks.md "Collector capacity (scaling)").
//
//   node bench/collector/load.ts [--quick] [--variants=both,prw] [--no-memory] [--profile=DIR]
//
// Starts OUR collector binary (otel-collector/build.sh's cached build) on ports of its own with the production
// config (otel-collector/config.yaml: memory_limiter, resource, batch; one persistent spool in front of Prometheus
// remote write and InfluxDB; GOGC=400 as shipped), its exporters pointed at a local sink (bench/collector/sink.ts) so that the
// collector, not the backends, is measured. Never touches the local stack's collector.
// Load: OTLP/HTTP protobuf requests of cumulative sums and gauges (5,000 data points per request, like an SDK's
// export), pre-encoded with the OTel JS serializer so the generator spends its CPU on sending.
// Phase 1 (throughput): as fast as the collector accepts, 4 requests in flight, for a fixed time. Reported: data
//   points/s through the whole pipeline (exported by BOTH exporters), the collector's CPU (from /proc), and data
//   points per CPU-second, which is what 2 dedicated cores turn into. Variants: both exporters as shipped, the spool in
//   memory (what persistence costs), remote write only (persistent / in memory), and `before`: the previous design
//   (remote-write WAL + InfluxDB persistent queue, GOGC=100) for a before/after in the same run.
// Phase 2 (memory): N active series re-sent every 10 s (an SDK export interval) for several rounds, for several N;
//   reported: the collector's resident memory per N, and the slope per 100,000 series.
// Every loop is bounded in count and time; only 127.0.0.1 is contacted.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { type RunningCollector, startCollector } from '../../packages/deploy-tests/src/collector.ts';
import { parsePrometheusText } from '../../packages/receiver-core/src/index.ts';

const QUICK = process.argv.includes('--quick');
/** `--variants=both,prw`: throughput variants to run (default: all); `--no-memory`: skip the memory phase. */
const VARIANTS_ARG = process.argv.find((a) => a.startsWith('--variants='))?.slice('--variants='.length);
const SKIP_MEMORY = process.argv.includes('--no-memory');
/** `--series=0,300000`: the active-series counts of the memory phase. */
const SERIES_ARG = process.argv.find((a) => a.startsWith('--series='))?.slice('--series='.length);
/** `--gomemlimit=512MiB`: Go's soft memory limit for the collector (as the Kubernetes manifests set it). */
const GOMEMLIMIT = process.argv.find((a) => a.startsWith('--gomemlimit='))?.slice('--gomemlimit='.length);
/** `--config=URI` (repeatable): merged after each variant's config, e.g. `--config=yaml:processors::batch::send_batch_size: 32768`. */
const EXTRA_CONFIGS = process.argv.filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
/** `--env=NAME=VALUE` (repeatable): extra environment of the collector, e.g. `--env=GOGC=400`. */
const EXTRA_ENV = Object.fromEntries(
  process.argv
    .filter((a) => a.startsWith('--env='))
    .map((a) => {
      const kv = a.slice('--env='.length);
      return [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)];
    }),
);
/** `--profile=DIR`: a Go CPU profile of each throughput variant (pprof extension), written to DIR/<variant>.pprof. */
const PROFILE_DIR = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const POINTS_PER_REQUEST = 5000;
const THROUGHPUT_SECONDS = QUICK ? 5 : 15;
const IN_FLIGHT = 4;
const MEMORY_SERIES = SERIES_ARG
  ? SERIES_ARG.split(',').map(Number)
  : QUICK
    ? [0, 50_000]
    : [0, 100_000, 200_000, 300_000];
const MEMORY_ROUNDS = QUICK ? 2 : 4;
/** Every series is re-sent once per round, like an SDK exporting every 15 s. */
const ROUND_SECONDS = 15;

const SERVICES = ['mes-api', 'shop-api', 'crm-api', 'mes-worker', 'receivers'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUS = ['200', '201', '400', '404', '500'];

const now = (): [number, number] => {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
};

/** `count` series as OTLP requests: every 5th metric a gauge, the rest cumulative sums; 5 attributes per point. */
function encodeSeries(count: number, seed: string): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  const start = now();
  for (let offset = 0; offset < count; offset += POINTS_PER_REQUEST) {
    const n = Math.min(POINTS_PER_REQUEST, count - offset);
    const perMetric = 500;
    const metrics = [];
    for (let m = 0; m * perMetric < n; m++) {
      const metricIndex = (offset + m * perMetric) / perMetric;
      const gauge = metricIndex % 5 === 4;
      const points = [];
      for (let i = 0; i < Math.min(perMetric, n - m * perMetric); i++) {
        const k = offset + m * perMetric + i;
        points.push({
          startTime: start,
          endTime: now(),
          value: gauge ? (k % 1000) / 10 : 1000 + k,
          attributes: {
            'http.route': `/api/v1/resource/${k % 97}`,
            'http.request.method': METHODS[k % METHODS.length]!,
            'http.response.status_code': STATUS[k % STATUS.length]!,
            'bench.series': `${seed}-${k}`,
            'server.address': `node-${k % 13}`,
          },
        });
      }
      metrics.push({
        descriptor: {
          name: gauge ? `bench.gauge.${metricIndex}` : `bench.requests.${metricIndex}`,
          description: 'capacity benchmark',
          unit: gauge ? '1' : '{request}',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        ...(gauge
          ? { dataPointType: DataPointType.GAUGE as const }
          : { dataPointType: DataPointType.SUM as const, isMonotonic: true }),
        dataPoints: points,
      });
    }
    const rm = {
      resource: resourceFromAttributes({
        'service.name': SERVICES[(offset / POINTS_PER_REQUEST) % SERVICES.length]!,
        'service.namespace': 'bench',
        'host.name': `bench-host-${(offset / POINTS_PER_REQUEST) % 7}`,
      }),
      scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
    } as unknown as ResourceMetrics;
    const bytes = ProtobufMetricsSerializer.serializeRequest(rm);
    if (!bytes) throw new Error('serializer returned nothing');
    payloads.push(bytes);
  }
  return payloads;
}

async function post(url: string, body: Uint8Array): Promise<boolean> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
  await r.arrayBuffer();
  return r.ok;
}

/** Collector telemetry: each counter summed over its labels, keyed `name{exporter or receiver}`. */
async function telemetry(c: RunningCollector): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${c.ports.telemetry}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const { name, labels, value } of parsePrometheusText(text)) {
    // contrib's influxdb exporter (variants before, both-contrib-influx) and ours (influxdb_metrics) count as one.
    const who = labels.exporter?.startsWith('influxdb') ? 'influx' : (labels.exporter ?? labels.receiver);
    const key = who ? `${name}{${who}}` : name;
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

const ACCEPTED = 'otelcol_receiver_accepted_metric_points{otlp}';
const REFUSED = 'otelcol_receiver_refused_metric_points{otlp}';
const SENT_PRW = 'otelcol_exporter_sent_metric_points{prometheus_remote_write}';
const SENT_INFLUX = 'otelcol_exporter_sent_metric_points{influx}';
const FAILED_PRW = 'otelcol_exporter_send_failed_metric_points{prometheus_remote_write}';
const FAILED_INFLUX = 'otelcol_exporter_send_failed_metric_points{influx}';

function procStats(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMiB: rssKb / 1024 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startSink(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'sink.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.once('data', (d: Buffer) =>
      resolve({ child, port: (JSON.parse(d.toString()) as { port: number }).port }),
    );
    child.once('error', reject);
  });
}

interface Sink {
  child: ChildProcess;
  port: number;
}

type Variant =
  | 'both'
  | 'both-loopback'
  | 'both-contrib-influx'
  | 'both-file-storage'
  | 'both-in-memory'
  | 'prw'
  | 'prw-in-memory'
  | 'before';

const VARIANT_CONFIG: Record<Variant, string[]> = {
  // As shipped: one persistent spool in front of both backends (otel-collector/config.yaml), GOGC=400.
  both: [],
  // The spool as an OTLP exporter's queue looped back to an OTLP receiver (on spool_storage), shipped before the connector.
  'both-loopback': [join(import.meta.dirname, 'loopback.yaml')],
  // contrib's influxdb exporter instead of ours (influxdb_metrics), as shipped until 2026-12-07.
  'both-contrib-influx': [join(import.meta.dirname, 'contrib-influx.yaml')],
  // The spool on contrib's file_storage (bbolt), as shipped until 2026-12-07: what spool_storage changed.
  'both-file-storage': [join(import.meta.dirname, 'file-storage.yaml')],
  // Durability off: the spool's queue in memory (what persistence costs).
  'both-in-memory': ['yaml:connectors::spool::sending_queue::storage: null'],
  prw: ['yaml:service::pipelines::metrics/export::exporters: [prometheus_remote_write]'],
  'prw-in-memory': [
    'yaml:service::pipelines::metrics/export::exporters: [prometheus_remote_write]',
    'yaml:connectors::spool::sending_queue::storage: null',
  ],
  // The previous design (remote-write WAL + InfluxDB persistent queue, GOGC=100): before/after in the same run.
  before: [join(import.meta.dirname, 'before.yaml')],
};

const VARIANT_ENV: Partial<Record<Variant, Record<string, string>>> = { before: { GOGC: '100' } };

/** The pprof extension on a port of its own, added to the variant's config when profiling. */
async function profiling(variant: Variant): Promise<{ port: number; configs: string[] } | undefined> {
  if (!PROFILE_DIR) return undefined;
  const { freePort } = await import('../../packages/test-support/src/net.ts');
  const port = await freePort();
  return {
    port,
    configs: [
      `yaml:extensions::pprof::endpoint: 127.0.0.1:${port}`,
      // The list replaces the variant's own: keep file_storage where the variant's config defines and uses it.
      `yaml:service::extensions: [health_check, spool_storage, ${variant === 'before' || variant === 'both-file-storage' ? 'file_storage, ' : ''}pprof]`,
    ],
  };
}

/** A fresh collector for one phase: the production config with exporters to the sink, changed by the variant. */
async function benchCollector(
  sink: Sink,
  name: string,
  variant: Variant = 'both',
  extra: string[] = [],
): Promise<RunningCollector> {
  const { freePort } = await import('../../packages/test-support/src/net.ts');
  return startCollector({
    name,
    extraConfigs: [...VARIANT_CONFIG[variant], ...EXTRA_CONFIGS, ...extra],
    env: {
      PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${sink.port}/api/v1/write`,
      INFLUXDB_URL: `http://127.0.0.1:${sink.port}`,
      INFLUXDB_V1_COMPATIBILITY: 'true',
      COLLECTOR_LOG_LEVEL: 'warn',
      // Only the loopback variant listens there.
      COLLECTOR_SPOOL_ENDPOINT: `127.0.0.1:${await freePort()}`,
      ...(GOMEMLIMIT ? { GOMEMLIMIT } : {}),
      ...VARIANT_ENV[variant],
      ...EXTRA_ENV,
    },
  });
}

/** Waits (bounded) until every exporter in use has sent all accepted points; returns the last telemetry. */
async function drained(c: RunningCollector, t0: Record<string, number>, prwOnly: boolean, limitMs = 120_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const t = await telemetry(c);
    const d = (k: string) => (t[k] ?? 0) - (t0[k] ?? 0);
    const done = d(SENT_PRW) >= d(ACCEPTED) && (prwOnly || d(SENT_INFLUX) >= d(ACCEPTED));
    if (done || Date.now() > deadline) return { t, complete: done };
    await sleep(250);
  }
}

/** Phase 1: send as fast as accepted for THROUGHPUT_SECONDS, then until exported; sustained rate and CPU cost. */
async function throughput(sink: Sink, variant: Variant): Promise<Record<string, unknown>> {
  const prwOnly = variant.startsWith('prw');
  const pprof = await profiling(variant);
  const collector = await benchCollector(sink, `bench-${variant}`, variant, pprof?.configs);
  const pid = collector.process.pid!;
  const url = `http://127.0.0.1:${collector.ports.http}/v1/metrics`;
  try {
    const payloads = encodeSeries(50 * POINTS_PER_REQUEST, 'tp');
    await sleep(2000);
    const t0 = await telemetry(collector);
    const p0 = procStats(pid);
    const began = Date.now();
    const deadline = began + THROUGHPUT_SECONDS * 1000;
    // The profile covers the sending phase (from 1 s in, so the first batches are warm).
    const profile = pprof
      ? sleep(1000)
          .then(() => fetch(`http://127.0.0.1:${pprof.port}/debug/pprof/profile?seconds=${THROUGHPUT_SECONDS - 2}`))
          .then(async (r) => {
            mkdirSync(PROFILE_DIR!, { recursive: true });
            writeFileSync(join(PROFILE_DIR!, `${variant}.pprof`), Buffer.from(await r.arrayBuffer()));
          })
      : Promise.resolve();
    let failedRequests = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (Date.now() < deadline) {
          const ok = await post(url, payloads[next++ % payloads.length]!).catch(() => false);
          if (!ok) failedRequests++;
        }
      }),
    );
    const sendSeconds = (Date.now() - began) / 1000;
    await profile;
    const { t, complete } = await drained(collector, t0, prwOnly, 180_000);
    const elapsed = (Date.now() - began) / 1000;
    const p1 = procStats(pid);
    const d = (k: string) => (t[k] ?? 0) - (t0[k] ?? 0);
    const accepted = d(ACCEPTED);
    const cpu = p1.cpuSeconds - p0.cpuSeconds;
    return {
      variant,
      exporters: prwOnly ? ['prometheus_remote_write'] : ['prometheus_remote_write', 'influxdb_metrics'],
      seconds_sending: Number(sendSeconds.toFixed(1)),
      seconds_until_all_exported: Number(elapsed.toFixed(1)),
      all_exported: complete,
      accepted_points: accepted,
      refused_points: d(REFUSED),
      failed_requests: failedRequests,
      exported_prometheusremotewrite: d(SENT_PRW),
      exported_influxdb: d(SENT_INFLUX),
      export_failed_points: d(FAILED_PRW) + d(FAILED_INFLUX),
      sustained_points_per_second: Math.round(accepted / elapsed),
      collector_cpu_seconds: Number(cpu.toFixed(1)),
      collector_cores_used: Number((cpu / elapsed).toFixed(2)),
      points_per_cpu_second: Math.round(accepted / cpu),
      peak_rss_mib: Math.round(p1.rssMiB),
    };
  } finally {
    await collector.stop();
  }
}

/** Phase 2: `series` active series re-sent every ROUND_SECONDS for MEMORY_ROUNDS rounds by a fresh collector. */
async function memory(sink: Sink, series: number): Promise<Record<string, unknown>> {
  const collector = await benchCollector(sink, `bench-mem-${series}`);
  const pid = collector.process.pid!;
  const url = `http://127.0.0.1:${collector.ports.http}/v1/metrics`;
  try {
    const batch = series ? encodeSeries(series, `m${series}`) : [];
    await sleep(2000);
    const t0 = await telemetry(collector);
    const cpu0 = procStats(pid).cpuSeconds;
    const began = Date.now();
    let peak = procStats(pid).rssMiB;
    let lateRounds = 0;
    for (let round = 0; round < MEMORY_ROUNDS; round++) {
      const roundBegan = Date.now();
      // Requests spread over 80 % of the round, as many SDKs with unsynchronised timers would send them.
      for (let i = 0; i < batch.length; i++) {
        const due = roundBegan + (i * ROUND_SECONDS * 800) / batch.length;
        while (Date.now() < due) {
          await sleep(Math.min(250, due - Date.now()));
          peak = Math.max(peak, procStats(pid).rssMiB);
        }
        await post(url, batch[i]!).catch(() => false);
      }
      while (Date.now() - roundBegan < ROUND_SECONDS * 1000) {
        await sleep(250);
        peak = Math.max(peak, procStats(pid).rssMiB);
      }
      if (Date.now() - roundBegan > ROUND_SECONDS * 1000 + 1000) lateRounds++;
    }
    const { t, complete } = await drained(collector, t0, false, 60_000);
    const d = (k: string) => (t[k] ?? 0) - (t0[k] ?? 0);
    const end = procStats(pid);
    return {
      active_series: series,
      points_per_second: Math.round(series / ROUND_SECONDS),
      rounds: MEMORY_ROUNDS,
      late_rounds: lateRounds,
      accepted_points: d(ACCEPTED),
      all_exported: complete,
      peak_rss_mib: Math.round(Math.max(peak, end.rssMiB)),
      end_rss_mib: Math.round(end.rssMiB),
      collector_cores_used: Number(((end.cpuSeconds - cpu0) / ((Date.now() - began) / 1000)).toFixed(2)),
    };
  } finally {
    await collector.stop();
  }
}

async function main(): Promise<void> {
  const os = await import('node:os');
  const sink = await startSink();
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    binary:
      'otelcol-foursignals 0.1.0 (core v0.161.0 / contrib v0.161.0), otel-collector/config.yaml, GOGC=400 unless a variant or --env sets it',
    cores: os.cpus().length,
    loadavg_before: os.loadavg().map((x) => Number(x.toFixed(2))),
    points_per_request: POINTS_PER_REQUEST,
    gomemlimit: GOMEMLIMIT ?? 'unset',
    extra_configs: EXTRA_CONFIGS,
    extra_env: EXTRA_ENV,
  };
  try {
    const variants: Record<string, unknown>[] = [];
    const all: Variant[] = [
      'before',
      'both-loopback',
      'both-contrib-influx',
      'both-file-storage',
      'both',
      'both-in-memory',
      'prw',
      'prw-in-memory',
    ];
    // In the order given (interleaved pairs in both orders), default all.
    const chosen = (VARIANTS_ARG?.split(',') ?? all) as Variant[];
    const unknown = chosen.filter((v) => !all.includes(v));
    if (unknown.length) throw new Error(`unknown variant(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
    for (const variant of chosen) {
      const row = await throughput(sink, variant);
      variants.push(row);
      process.stderr.write(`throughput: ${JSON.stringify(row)}\n`);
    }
    report.throughput = variants;
    const rows: Record<string, unknown>[] = [];
    for (const series of SKIP_MEMORY ? [] : MEMORY_SERIES) {
      const row = await memory(sink, series);
      rows.push(row);
      process.stderr.write(`memory: ${JSON.stringify(row)}\n`);
    }
    report.memory = rows;
    const base = (rows[0]?.peak_rss_mib as number) ?? 0;
    report.peak_rss_mib_per_100k_series = rows
      .slice(1)
      .map((m) => Number(((((m.peak_rss_mib as number) - base) / (m.active_series as number)) * 100_000).toFixed(1)));
    report.sink = await (await fetch(`http://127.0.0.1:${sink.port}/stats`)).json();
    report.loadavg_after = os.loadavg().map((x) => Number(x.toFixed(2)));
  } finally {
    sink.child.kill('SIGTERM');
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
