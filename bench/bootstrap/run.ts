// otel-bootstrap benchmark: throughput, start-up time and RSS of the same app under five variants, interleaved
// (every round runs every variant once, in rotating order) so the noise of a shared machine hits all alike.
//
//   node bench/bootstrap/run.ts [--rounds 5] [--seconds 5] [--connections 20] [--framework express|fastify] [--pin]
//   node bench/bootstrap/run.ts --mode ab [--pairs 8] [--framework express|fastify]
//   node bench/bootstrap/run.ts --mode profile [--seconds 5] [--framework express|fastify]
//
// Variants: plain; the official baseline (@opentelemetry/sdk-node with only the http and express instrumentations,
// traces off, OTLP http/protobuf metrics: sdk-node.cjs); prom-client histogram middleware; otel-bootstrap (metrics,
// every instrumentation on, outbound HTTP included); otel-bootstrap with DAU (header identity, 1,000 distinct users).
// `--only 'auto-instrumentations register'` adds @opentelemetry/auto-instrumentations-node/register (defaults);
// `--only 'otel-bootstrap,otel-bootstrap (60 s export)'` adds OpenTelemetry's default export interval beside the 1 s one.
// Every round runs every variant; the spread is that of the per-round ratios to plain (same round, same noise). Every exporter points
// at a closed local port so the benchmark measures the instrumentation, not a collector; the export interval is
// 1 s so that collection and encoding are inside the measurement.
import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../../packages/test-support/src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '20' },
    framework: { type: 'string', default: 'express' },
    only: { type: 'string' },
    mode: { type: 'string', default: 'variants' },
    pairs: { type: 'string', default: '8' },
    pin: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
// --pin: the app under test alone on CPU 1, this process (autocannon) on CPU 0, so that the load generator and the
// server never take turns on one core; on a 2-core machine that turn-taking is most of the per-round spread.
if (values.pin) execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
/** The app's command line: under `taskset -c 1` with --pin. */
const appCommand = (args: string[]): [string, string[]] =>
  values.pin ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, args];
const seconds = Number(values.seconds);
const connections = Number(values.connections);

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
  dau?: boolean;
}

const closed = 'http://127.0.0.1:9';
const base = {
  BENCH_FRAMEWORK: values.framework!,
  OTEL_SERVICE_NAME: 'bench',
  OTEL_EXPORTER_OTLP_ENDPOINT: closed,
  // Export (and fail) every second, so the RSS figures include the export path, not only the idle hooks.
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
};
const allVariants: Variant[] = [
  { name: 'plain', args: [], env: {} },
  {
    name: 'sdk-node (http + express; traces off)',
    args: ['--require', join(here, 'sdk-node.cjs')],
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'none' },
  },
  {
    name: 'auto-instrumentations register',
    args: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
    env: { OTEL_LOG_LEVEL: 'none' },
  },
  { name: 'prom-client middleware', args: [], env: { BENCH_PROM_CLIENT: '1' } },
  { name: 'otel-bootstrap', args: ['--require', join(repo, 'packages', 'otel-bootstrap')], env: {} },
  // Opt-in (--only): OpenTelemetry's default export interval, to separate the 1 s export's share from the hooks'.
  {
    name: 'otel-bootstrap (60 s export)',
    args: ['--require', join(repo, 'packages', 'otel-bootstrap')],
    env: { OTEL_METRIC_EXPORT_INTERVAL: '60000' },
  },
  {
    name: 'otel-bootstrap + DAU',
    args: ['--require', join(repo, 'packages', 'otel-bootstrap')],
    env: { FOURSIGNALS_DAU_IDENTITY: 'header:x-user-id' },
    dau: true,
  },
];
const variants = values.only
  ? allVariants.filter((v) => v.name === 'plain' || values.only!.split(',').includes(v.name))
  : allVariants.filter((v) => v.name !== 'auto-instrumentations register' && v.name !== 'otel-bootstrap (60 s export)');

interface Sample {
  /** Server CPU microseconds per request. */
  cpuUs: number;
  rps: number;
  p99: number;
  startupMs: number;
  idleRssMiB: number;
  loadedRssMiB: number;
  errors: number;
}

/** CPU seconds (user + system) the process used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** The port the bench app prints (`{"port":N}` on stdout) once it listens; rejects if it exits first. */
function appPort(proc: ChildProcessByStdio<null, Readable, null>, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (c) => reject(new Error(`${name} exited ${c}`)));
  });
}

/**
 * GET /api/orders/<id> over 10,000 order ids; with DAU on, 1,000 distinct users. One request sequence for every
 * measurement of a variant (the id counter lives as long as the returned list).
 */
function orderRequests(v: Variant) {
  let user = 0;
  return [
    {
      method: 'GET',
      setupRequest: (req: Record<string, unknown>) => {
        const id = user++;
        return {
          ...req,
          path: `/api/orders/${id % 10_000}`,
          headers: v.dau ? { 'x-user-id': `user-${id % 1000}` } : {},
        };
      },
    },
  ];
}

async function runOnce(v: Variant): Promise<Sample> {
  const env = { ...process.env, ...base, ...v.env, NODE_OPTIONS: '' };
  const proc = spawn(...appCommand([...v.args, join(here, 'app.cjs')]), {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [port, startupMs] = await new Promise<[number, number]>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        // readyMs: the app's own performance.now() when listening = time since its process started.
        const m = /\{"port":(\d+),"readyMs":([\d.]+)\}/.exec(out);
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
      proc.on('exit', (c) => reject(new Error(`${v.name} exited ${c}`)));
    });
    // Idle RSS after the first export (at 1 s) has happened.
    await new Promise((r) => setTimeout(r, 2000));
    const idleRssMiB = rssMiB(proc.pid!);
    // Warm-up (JIT, connection pools), not measured.
    await autocannon({ url: `http://127.0.0.1:${port}/api/orders/1`, connections, duration: 1 });
    const cpu0 = cpuSeconds(proc.pid!);
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
      requests: orderRequests(v),
    });
    const loadedRssMiB = rssMiB(proc.pid!);
    const cpuUs = ((cpuSeconds(proc.pid!) - cpu0) * 1e6) / result.requests.total;
    return {
      cpuUs,
      rps: result.requests.average,
      p99: result.latency.p99,
      startupMs,
      idleRssMiB,
      loadedRssMiB,
      errors: result.errors + result.non2xx,
    };
  } finally {
    proc.kill('SIGKILL');
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// --mode ab: one process per variant, instrumentation switched off and on in alternating 1-second slices.
async function runAb(
  v: Variant,
  pairs: number,
): Promise<{ on: number; off: number; cpuOn: number; cpuOff: number; medianRatio: number; medianAdded: number }> {
  const abPort = await freePort();
  const env = { ...process.env, ...base, ...v.env, NODE_OPTIONS: '', BENCH_AB_PORT: String(abPort) };
  const proc = spawn(...appCommand([...v.args, join(here, 'app.cjs')]), {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await appPort(proc, v.name);
    await new Promise((r) => setTimeout(r, 300));
    await autocannon({ url: `http://127.0.0.1:${port}/api/orders/1`, connections, duration: 2 });
    // Per slice: [requests, cpu seconds]; slices 2k and 2k+1 form a pair (one on, one off, order alternating).
    const slices: { on: boolean; requests: number; cpu: number }[] = [];
    const requests = orderRequests(v);
    for (let i = 0; i < pairs * 2; i++) {
      // on/off, then off/on: alternate which half goes first.
      const isOn = (i % 2 === 0) === (Math.floor(i / 2) % 2 === 0);
      await fetch(`http://127.0.0.1:${abPort}/${isOn ? 'on' : 'off'}`);
      const c0 = cpuSeconds(proc.pid!);
      const r = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: 1,
        requests,
      });
      slices.push({ on: isOn, requests: r.requests.total, cpu: cpuSeconds(proc.pid!) - c0 });
    }
    const ratios: number[] = [];
    const added: number[] = [];
    for (let k = 0; k + 1 < slices.length; k += 2) {
      const a = slices[k]!;
      const b = slices[k + 1]!;
      const on = a.on ? a : b;
      const off = a.on ? b : a;
      ratios.push(on.requests / off.requests);
      added.push((on.cpu * 1e6) / on.requests - (off.cpu * 1e6) / off.requests);
    }
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    const ons = slices.filter((x) => x.on);
    const offs = slices.filter((x) => !x.on);
    const on = sum(ons.map((x) => x.requests));
    const off = sum(offs.map((x) => x.requests));
    const cpuOn = sum(ons.map((x) => x.cpu));
    const cpuOff = sum(offs.map((x) => x.cpu));
    return { on, off, cpuOn, cpuOff, medianRatio: median(ratios), medianAdded: median(added) };
  } finally {
    proc.kill('SIGKILL');
  }
}

// --mode profile: a V8 CPU profile of the server under load; the share of its busy (non-idle) CPU time spent in the
// instrumentation's own functions (self time). Deterministic where throughput is noisy, but a lower bound: it
// does not see costs the instrumentation causes elsewhere (allocation, de-optimisation).
async function runProfile(v: Variant, pattern: RegExp): Promise<{ busyMs: number; share: number; top: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ob-prof-'));
  const env = {
    ...process.env,
    ...base,
    ...v.env,
    NODE_OPTIONS: '',
    BENCH_EXIT_AFTER_MS: String((seconds + 3) * 1000),
  };
  const proc = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...v.args, join(here, 'app.cjs')], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await appPort(proc, v.name);
  await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: orderRequests(v),
  });
  await new Promise((r) => proc.on('exit', r));
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  rmSync(dir, { recursive: true, force: true });
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let idle = 0;
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') idle += dt;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    if (pattern.test(cf.url)) self.set(key, (self.get(key) ?? 0) + dt);
  });
  const busy = total - idle;
  const ours = [...self.values()].reduce((a, b) => a + b, 0);
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, t]) => `${k} ${((100 * t) / busy).toFixed(2)} %`);
  return { busyMs: busy / 1000, share: ours / busy, top };
}

if (values.mode === 'profile') {
  const patterns: Record<string, RegExp> = {
    'prom-client middleware': /\/prom-client\//,
    'otel-bootstrap': /otel-bootstrap\/dist\/|diagnostics_channel/,
    'otel-bootstrap + DAU': /otel-bootstrap\/dist\/|diagnostics_channel/,
  };
  console.log(
    `\n${values.framework}, ${connections} connections, ${seconds} s under load, CPU profile, Node ${process.versions.node}\n`,
  );
  console.log('| variant | server busy CPU ms | share in the instrumentation (self time) | top functions |');
  console.log('|---|---:|---:|---|');
  for (const v of variants.filter((x) => patterns[x.name] !== undefined)) {
    const r = await runProfile(v, patterns[v.name]!);
    console.log(`| ${v.name} | ${r.busyMs.toFixed(0)} | ${(100 * r.share).toFixed(2)} % | ${r.top.join('; ')} |`);
  }
  process.exit(0);
}

if (values.mode === 'ab') {
  const pairs = Number(values.pairs);
  const abVariants = variants.filter((v) =>
    ['prom-client middleware', 'otel-bootstrap', 'otel-bootstrap + DAU'].includes(v.name),
  );
  console.log(
    `\n${values.framework}, ${connections} connections, ${pairs} on/off pairs of 1 s slices in one process, Node ${process.versions.node}\n`,
  );
  console.log(
    '| variant | requests on | off | throughput on / off (total) | median of pair ratios | CPU us/req on | off | added us/req (total) | median added us/req |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const v of abVariants) {
    const r = await runAb(v, pairs);
    const uOn = (r.cpuOn * 1e6) / r.on;
    const uOff = (r.cpuOff * 1e6) / r.off;
    console.log(
      `| ${v.name} | ${r.on} | ${r.off} | ${(r.on / r.off).toFixed(3)} | ${r.medianRatio.toFixed(3)} | ${uOn.toFixed(1)} | ${uOff.toFixed(1)} | ${(uOn - uOff).toFixed(1)} | ${r.medianAdded.toFixed(1)} |`,
    );
  }
  process.exit(0);
}

const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
  for (const v of order) {
    const s = await runOnce(v);
    samples.get(v.name)!.push(s);
    console.error(
      `round ${r + 1}/${rounds} ${v.name}: ${s.rps.toFixed(0)} req/s, start ${s.startupMs.toFixed(0)} ms, idle RSS ${s.idleRssMiB.toFixed(1)} MiB`,
    );
  }
}

const plain = samples.get('plain')!;
const plainStart = median(plain.map((s) => s.startupMs));
const plainRss = median(plain.map((s) => s.idleRssMiB));
/** Per-round ratios to plain: median and [min, max]. */
const ratios = (ss: Sample[], f: (s: Sample) => number) => {
  const r = ss.map((s, i) => f(s) / f(plain[i]!));
  return `${median(r).toFixed(2)} [${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)}]`;
};
console.log(
  `\n${values.framework}, ${connections} connections, ${seconds} s x ${rounds} interleaved rounds${values.pin ? ' (app pinned to CPU 1, load generator to CPU 0)' : ''}, Node ${process.versions.node}; ratios to plain: median of the per-round ratios [min-max]\n`,
);
console.log(
  '| variant | req/s | throughput vs plain | server CPU us/req | CPU per request vs plain | p99 ms | start-up ms (vs plain) | idle RSS MiB (vs plain) | RSS after load MiB | errors |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const v of variants) {
  const ss = samples.get(v.name)!;
  const rps = median(ss.map((s) => s.rps));
  const st = median(ss.map((s) => s.startupMs));
  const rss = median(ss.map((s) => s.idleRssMiB));
  console.log(
    `| ${v.name} | ${rps.toFixed(0)} | ${ratios(ss, (s) => s.rps)} | ${median(ss.map((s) => s.cpuUs)).toFixed(1)} | ${ratios(ss, (s) => s.cpuUs)} | ${median(ss.map((s) => s.p99)).toFixed(1)} | ${st.toFixed(0)} (${st - plainStart >= 0 ? '+' : ''}${(st - plainStart).toFixed(0)}) | ${rss.toFixed(1)} (${rss - plainRss >= 0 ? '+' : ''}${(rss - plainRss).toFixed(1)}) | ${median(ss.map((s) => s.loadedRssMiB)).toFixed(1)} | ${ss.reduce((a, s) => a + s.errors, 0)} |`,
  );
}
