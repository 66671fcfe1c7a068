// RabbitMQ receiver benchmark: at 1,000 and 10,000 queues, the cost of each broker endpoint (wall time, response
// size, broker RSS peak) side by side with a full receiver scrape (duration, receiver RSS) in one run.
//
//   node bench/rabbitmq/bench.ts [--queues 1000,10000] [--calls 5]
//
// Uses the broker of the local stack (endpoints from @foursignals/stack; FOURSIGNALS_STATE_DIR points it at
// another node). Works in a scratch vhost that it deletes at the end. Prints a markdown table.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readEndpoints } from '@foursignals/stack';
import { connect } from 'amqplib';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { queues: { type: 'string', default: '1000,10000' }, calls: { type: 'string', default: '5' } },
});
const sizes = values.queues.split(',').map(Number);
const calls = Number(values.calls);

const e = readEndpoints();
const amqp = new URL(e.rabbitmq_url);
const user = decodeURIComponent(amqp.username) || 'guest';
const pass = decodeURIComponent(amqp.password) || 'guest';
const mgmt = e.rabbitmq_management_url.replace(/\/$/, '');
const prom = (e.rabbitmq_prometheus_url ?? 'http://127.0.0.1:29692').replace(/\/(metrics)?\/?$/, '');
const auth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const vhost = `fs-rmq-bench-${Date.now().toString(36)}`;
const ev = encodeURIComponent(vhost);

/** The broker's OS process: whoever listens on the AMQP port. */
function brokerPid(): number {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${amqp.port || 5672}`], { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(out);
  if (!m) throw new Error(`no process listens on ${amqp.port}`);
  return Number(m[1]);
}
const pid = brokerPid();
function brokerRss(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

async function api(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${mgmt}/api${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
}

interface Row {
  queues: number;
  source: string;
  medianS: number;
  maxS: number;
  bytes: number;
  brokerPeakMiB: number;
  brokerBaseMiB: number;
  note?: string;
}

const MiB = 1024 * 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times `fn` `n` times (after one warm-up) while sampling the broker's RSS every 20 ms. */
async function measure(fn: () => Promise<number>, n: number) {
  await fn();
  const base = brokerRss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, brokerRss());
  }, 20);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    bytes = await fn();
    times.push((performance.now() - t) / 1000);
  }
  clearInterval(sampler);
  peak = Math.max(peak, brokerRss());
  return {
    medianS: median(times),
    maxS: Math.max(...times),
    bytes,
    brokerPeakMiB: peak / MiB,
    brokerBaseMiB: base / MiB,
  };
}

const get = (url: string, withAuth: boolean) => async () => {
  const res = await fetch(url, { headers: withAuth ? { authorization: auth } : {} });
  const text = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return text.byteLength;
};

async function pagedQueues(): Promise<number> {
  let bytes = 0;
  for (let page = 1; ; page++) {
    const res = await fetch(`${mgmt}/api/queues/${ev}?page=${page}&page_size=500`, {
      headers: { authorization: auth },
    });
    const text = await res.text();
    bytes += text.length;
    const body = JSON.parse(text) as { page_count: number };
    if (page >= body.page_count) return bytes;
  }
}

/** A full receiver scrape in a child process (its own RSS): ready taps, then `calls` scrapes. */
function receiverRun(
  n: number,
  nodeFlags: string[],
): Promise<{ durations: number[]; rssMiB: number; points: number; discoveryS: number }> {
  const config = {
    endpoint: mgmt,
    prometheus_endpoint: prom,
    amqp_endpoint: `${amqp.protocol}//${amqp.host}`,
    username: user,
    password: pass,
    include: [{ vhost }],
    max_queues: 20_000,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, join(here, 'scrape-child.mjs'), JSON.stringify(config), String(n)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

const rows: Row[] = [];
const receiverRows: string[] = [];
await api('PUT', `/vhosts/${ev}`, {});
await api('PUT', `/permissions/${ev}/${encodeURIComponent(user)}`, { configure: '.*', write: '.*', read: '.*' });
try {
  const u = new URL(e.rabbitmq_url);
  u.pathname = `/${ev}`;
  const conn = await connect(u.toString());
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange('bench.dlx', 'fanout');
  await ch.assertQueue('bench.dlq');
  await ch.bindQueue('bench.dlq', 'bench.dlx', '');
  let declared = 0;
  for (const size of sizes) {
    const t = performance.now();
    for (; declared < size; declared++) {
      const q = `bench.q${String(declared).padStart(5, '0')}`;
      await ch.assertQueue(q, { deadLetterExchange: 'bench.dlx' });
      ch.sendToQueue(q, Buffer.from('order'));
    }
    await ch.waitForConfirms();
    process.stderr.write(`${size} queues declared (${((performance.now() - t) / 1000).toFixed(1)} s); settling\n`);
    await new Promise((r) => setTimeout(r, 12_000));
    const slow = size > 2000 ? Math.min(calls, 3) : calls;
    const sources: [string, () => Promise<number>, number][] = [
      ['GET /api/queues (collector-contrib rabbitmqreceiver)', get(`${mgmt}/api/queues`, true), slow],
      ['GET /api/queues paged (500 per page, all pages)', pagedQueues, slow],
      [
        'GET /api/queues?disable_stats=true&columns=name,arguments,policy (our discovery)',
        get(`${mgmt}/api/queues/${ev}?disable_stats=true&enable_queue_totals=true&columns=name,arguments,policy`, true),
        calls,
      ],
      ['GET /metrics/per-object', get(`${prom}/metrics/per-object`, false), calls],
      [
        'GET /metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count (our scrape)',
        get(`${prom}/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count`, false),
        calls,
      ],
      [
        'GET /metrics/detailed?family=queue_metrics (queue_details: true)',
        get(`${prom}/metrics/detailed?family=queue_metrics`, false),
        calls,
      ],
      ['GET /metrics (aggregated; our node counters)', get(`${prom}/metrics`, false), calls],
    ];
    for (const [source, fn, n] of sources) {
      const m = await measure(fn, n);
      rows.push({ queues: size, source, ...m });
      process.stderr.write(`${size} ${source}: ${m.medianS.toFixed(3)} s\n`);
    }
    for (const flags of [[], ['--max-semi-space-size=2']]) {
      const base = brokerRss();
      let peak = base;
      const sampler = setInterval(() => {
        peak = Math.max(peak, brokerRss());
      }, 20);
      const r = await receiverRun(calls, flags);
      clearInterval(sampler);
      receiverRows.push(
        `| ${size.toLocaleString('en')} | ${flags.join(' ') || '(defaults)'} | ${median(r.durations).toFixed(3)} | ${Math.max(...r.durations).toFixed(3)} | ${r.points.toLocaleString('en')} | ${r.rssMiB.toFixed(0)} | ${r.discoveryS.toFixed(2)} | ${(base / MiB).toFixed(0)} -> ${(peak / MiB).toFixed(0)} |`,
      );
    }
  }
  await conn.close();
} finally {
  process.stderr.write('deleting the scratch vhost\n');
  await api('DELETE', `/vhosts/${ev}`).catch((err) => process.stderr.write(`${err}\n`));
}

const version = await (await fetch(`${mgmt}/api/overview`, { headers: { authorization: auth } })).json();
console.log(
  `RabbitMQ ${(version as { rabbitmq_version: string }).rabbitmq_version}, Erlang ${(version as { erlang_version: string }).erlang_version}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log('| queues | source | median s | max s | response | broker RSS before -> peak (MiB) |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.queues.toLocaleString('en')} | ${r.source} | ${r.medianS.toFixed(3)} | ${r.maxS.toFixed(3)} | ${(r.bytes / MiB).toFixed(2)} MiB | ${r.brokerBaseMiB.toFixed(0)} -> ${r.brokerPeakMiB.toFixed(0)} |`,
  );
}
console.log('\nReceiver (child process, `include` = the bench vhost, dead-letter taps on):\n');
console.log(
  '| queues | node flags | scrape median s | scrape max s | points | receiver RSS MiB | tap discovery s | broker RSS before -> peak (MiB) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of receiverRows) console.log(r);
