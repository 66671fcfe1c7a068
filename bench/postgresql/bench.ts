// PostgreSQL receiver vs prometheus-postgres-exporter (Debian 0.11.1), side by side on one cluster with 20
// databases and 5,000 distinct statements. Run: `node bench/postgresql/bench.ts` (Node 24, after `npm run build`)
// with BENCH_POSTGRES_URL = a superuser URL of a SCRATCH cluster with pg_stat_statements preloaded and
// pg_stat_statements.max >= 10000 (it creates databases and roles and calls pg_stat_statements_reset()).
// Prints a markdown table for docs/benchmarks.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../packages/test-support/src/index.ts';

const SUPER = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:28432/postgres'; // see run.sh
const DATABASES = 20;
const STATEMENTS = 5000;
const PER_DB = STATEMENTS / DATABASES;
const PASSWORD = 'bench';
const ROOT = new URL('../../', import.meta.url);
const RUN_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

function url(database: string, user?: string): string {
  const u = new URL(SUPER);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user;
    u.password = PASSWORD;
  }
  return u.toString();
}

async function withClient<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** utime+stime seconds and RSS MiB of a process, from /proc. */
function usage(pid: number): { cpu: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return { cpu: ticks / 100, rssMiB: Number(rss) / 1024 };
}

async function setup(): Promise<void> {
  await withClient(SUPER, async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    for (const role of ['bench_receiver', 'bench_exporter']) {
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists.rowCount === 0) await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}' IN ROLE pg_monitor`);
    }
    for (let d = 0; d < DATABASES; d++) {
      const name = `bench_${String(d).padStart(2, '0')}`;
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${name}`);
    }
  });
}

/**
 * Runs statements number [from, to) of each database once. Statement i selects i + 1 constants: a different parse
 * tree, so a distinct pg_stat_statements entry, without creating tables (which would inflate the exporter's
 * per-table series and make the comparison unfair to it).
 */
async function runStatements(from: number, to: number): Promise<void> {
  for (let d = 0; d < DATABASES; d++) {
    await withClient(url(`bench_${String(d).padStart(2, '0')}`), async (c) => {
      for (let i = from; i < to; i++) await c.query(`SELECT ${Array.from({ length: i + 1 }, (_, k) => k).join(', ')}`);
    });
  }
}

async function serverLoad(role: string): Promise<{ calls: number; ms: number }> {
  return withClient(SUPER, async (c) => {
    const r = await c.query<{ calls: string; ms: number }>(
      `SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(total_exec_time), 0)::float8 AS ms
       FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1`,
      [role],
    );
    return { calls: Number(r.rows[0]!.calls), ms: r.rows[0]!.ms };
  });
}

async function connectionsOf(role: string): Promise<number> {
  return withClient(SUPER, async (c) => {
    const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [
      role,
    ]);
    return r.rows[0]!.n;
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * The lower bound: the cluster-wide queries any receiver needs (pg_stat_database, pg_stat_activity grouped,
 * pg_stat_statements(false) summed per database, a top-10 per database without text), on one connection; median
 * wall time of 15 rounds, measured right before the receiver runs, under the same load.
 */
async function lowerBound(): Promise<number> {
  return withClient(url('postgres', 'bench_receiver'), async (c) => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      await c.query('SELECT * FROM pg_stat_database');
      await c.query('SELECT datname, state, count(*) FROM pg_stat_activity GROUP BY datname, state');
      await c.query('SELECT dbid, sum(calls), sum(total_exec_time) FROM pg_stat_statements(false) GROUP BY dbid');
      await c.query(`SELECT dbid, queryid, calls, total_exec_time FROM (SELECT dbid, queryid, calls, total_exec_time,
        row_number() OVER (PARTITION BY dbid ORDER BY total_exec_time DESC) AS r FROM pg_stat_statements(false)) t WHERE r <= 10`);
      times.push(performance.now() - t);
    }
    return median(times);
  });
}

interface Result {
  name: string;
  lowerBoundMs?: number;
  scrapeMs: number;
  cpuMsPerScrape: number;
  rssMiB: number;
  series: number;
  bytes: number;
  connections: number;
  queriesPerScrape: number;
  serverMsPerScrape: number;
}

async function benchReceiver(label: string): Promise<Result> {
  const port = await freePort();
  const config = join(tmpdir(), `bench-receivers-${process.pid}.yaml`);
  writeFileSync(
    config,
    `receivers:
  postgresql/bench:
    endpoint: ${url('postgres', 'bench_receiver')}
    collection_interval: 1s
    timeout: 1s
exporters:
  prometheus:
    endpoint: 127.0.0.1:${port}
`,
  );
  const lowerBoundMs = await lowerBound();
  const before = await serverLoad('bench_receiver');
  const child = spawn(
    process.execPath,
    [new URL('packages/receivers/dist/cli.js', ROOT).pathname, '--config', config],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await sleep(3000); // start-up and the first scrape (the first reading of every entry) are not measured
  const start = usage(child.pid!);
  const durations: number[] = [];
  let text = '';
  const t0 = Date.now();
  while (Date.now() - t0 < RUN_SECONDS * 1000) {
    await sleep(1000);
    text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('receiver_scrape_duration{'));
    if (line) durations.push(Number(line.split(' ').pop()) * 1000);
  }
  const end = usage(child.pid!);
  const connections = await connectionsOf('bench_receiver');
  await stop(child);
  const after = await serverLoad('bench_receiver');
  const scrapes = RUN_SECONDS + 3; // one per second, from the start (the lower bound's rounds ran before `before`)
  const series = text.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('target_info')).length;
  return {
    name: label,
    lowerBoundMs,
    scrapeMs: median(durations),
    cpuMsPerScrape: ((end.cpu - start.cpu) * 1000) / RUN_SECONDS,
    rssMiB: end.rssMiB,
    series,
    bytes: Buffer.byteLength(text),
    connections,
    queriesPerScrape: (after.calls - before.calls) / scrapes,
    serverMsPerScrape: (after.ms - before.ms) / scrapes,
  };
}

async function benchExporter(): Promise<Result> {
  const port = await freePort();
  const dsn = `${url('postgres', 'bench_exporter')}?sslmode=disable`;
  const before = await serverLoad('bench_exporter');
  const child = spawn(
    'prometheus-postgres-exporter',
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--auto-discover-databases',
      `--extend.query-path=${new URL('exporter-queries.yaml', import.meta.url).pathname}`,
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, DATA_SOURCE_NAME: dsn } },
  );
  await sleep(2000);
  await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()); // warm-up: connections opened
  const start = usage(child.pid!);
  const durations: number[] = [];
  let text = '';
  const scrapes = 8;
  for (let i = 0; i < scrapes; i++) {
    const t = performance.now();
    text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    durations.push(performance.now() - t);
    await sleep(500);
  }
  const end = usage(child.pid!);
  const connections = await connectionsOf('bench_exporter');
  await stop(child);
  const after = await serverLoad('bench_exporter');
  return {
    name: 'prometheus-postgres-exporter 0.11.1',
    scrapeMs: median(durations),
    cpuMsPerScrape: ((end.cpu - start.cpu) * 1000) / scrapes,
    rssMiB: end.rssMiB,
    series: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
    bytes: Buffer.byteLength(text),
    connections,
    queriesPerScrape: (after.calls - before.calls) / (scrapes + 1),
    serverMsPerScrape: (after.ms - before.ms) / (scrapes + 1),
  };
}

await setup();
await withClient(SUPER, (c) => c.query('SELECT pg_stat_statements_reset()'));
await runStatements(0, PER_DB / 5);
const small = await benchReceiver(`receiver, ${STATEMENTS / 5} statements`);
await runStatements(PER_DB / 5, PER_DB);
const count = await withClient(SUPER, (c) =>
  c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_statements'),
);
const full = await benchReceiver(`receiver, ${STATEMENTS} statements`);
const exporter = await benchExporter();

const rows = [small, full, exporter].map(
  (r) =>
    `| ${r.name} | ${r.scrapeMs.toFixed(1)} | ${r.lowerBoundMs === undefined ? '-' : r.lowerBoundMs.toFixed(1)} | ${r.cpuMsPerScrape.toFixed(1)} | ${r.rssMiB.toFixed(0)} | ${r.series} | ${(r.bytes / 1024).toFixed(0)} | ${r.connections} | ${r.queriesPerScrape.toFixed(1)} | ${r.serverMsPerScrape.toFixed(1)} |`,
);
console.log(`pg_stat_statements entries: ${count.rows[0]!.n}; ${DATABASES} databases (+ postgres)`);
console.log(
  '| | scrape (median, ms) | lower bound (ms) | CPU per scrape (ms) | RSS (MiB) | series | payload (KiB) | connections | queries per scrape | server time per scrape (ms) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
