// Test helpers: spawn a real app with the bootstrap preloaded, drive it with real HTTP requests, read what
// reached Prometheus through the real collector.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type PromSample as Sample, stackEndpoints, waitForQuery } from '@foursignals/test-support';

export const PKG_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = join(PKG_DIR, '..', '..');
export const APPS = join(PKG_DIR, 'test', 'apps');

export type Preload = 'require-dir' | 'require-register' | 'import-register';

export interface App {
  port: number;
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function uniqueService(name: string): string {
  return `ob-${name}-${randomBytes(4).toString('hex')}`;
}

export const endpoints = stackEndpoints;

/** Env for an app exporting OTLP http/protobuf to the stack's collector every second. */
export function otlpEnv(service: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoints().otlp_http_url,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    ...extra,
  };
}

export function preloadArgs(preload: Preload): string[] {
  if (preload === 'require-dir') return ['--require', PKG_DIR];
  if (preload === 'require-register') return ['--require', '@foursignals/otel-bootstrap/register'];
  return ['--import', '@foursignals/otel-bootstrap/register'];
}

export async function startApp(
  app: string,
  env: Record<string, string>,
  preload: Preload | 'none' = 'require-dir',
  node = process.execPath,
): Promise<App> {
  const args = [...(preload === 'none' ? [] : preloadArgs(preload)), join(APPS, app)];
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('OTEL_') || k.startsWith('FOURSIGNALS_DAU')) delete clean[k];
  clean['NODE_OPTIONS'] = '';
  const proc = spawn(node, args, { cwd: REPO_DIR, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    // A child that never reports its port is killed: its open pipes would keep the test run alive.
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`app ${app} did not start: ${err}`));
    }, 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)[,}]/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`app ${app} exited with ${code}: ${err}`));
    });
  });
  return {
    port,
    proc,
    stderr: () => err,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export interface Res {
  status: number;
  error?: string;
}

export function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Res> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (e) => resolve({ status: 0, error: e.message }));
    });
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}

/** Runs `n` requests with `concurrency` in flight; returns every result. */
export async function load(
  port: number,
  n: number,
  concurrency: number,
  make: (i: number) => [string, string, Record<string, string>?],
): Promise<Res[]> {
  const results: Res[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const [method, path, headers] = make(i);
      results[i] = await request(port, method, path, headers);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

export { waitForQuery };

export function byKey(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const k = `${s.metric['http_request_method']} ${s.metric['http_route'] ?? ''} ${s.metric['http_response_status_code']}`;
    out[k] = s.value;
  }
  return out;
}

export function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** Requests to send: method, path, how many times, and the `byKey` key they must be counted under. */
export type Plan = [method: string, path: string, times: number, expectKey: string][];

export async function runPlan(app: App, plan: Plan): Promise<Record<string, number>> {
  const expected: Record<string, number> = {};
  for (const [method, path, times, key] of plan) {
    const res = await load(app.port, times, 4, () => [method, path]);
    for (const r of res) assert.equal(r.error, undefined, `${method} ${path} failed: ${r.error}`);
    expected[key] = (expected[key] ?? 0) + times;
  }
  return expected;
}

/** Prometheus holds exactly `expected` (bootstrap's scope), per method, route template and status. */
export async function assertInPrometheus(service: string, expected: Record<string, number>): Promise<void> {
  const q = `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{service_name="${service}"})`;
  const got = byKey(await waitForQuery(q, (s) => sameCounts(byKey(s), expected)));
  assert.deepEqual(got, expected);
}

/** Runs a script app to completion; returns its exit, its last stdout JSON line and its stderr. */
export async function runScript(
  app: string,
  env: Record<string, string>,
  preload: Preload | 'none' = 'require-dir',
  node = process.execPath,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: Record<string, unknown>; stderr: string }> {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('OTEL_') || k.startsWith('FOURSIGNALS_DAU')) delete clean[k];
  clean['NODE_OPTIONS'] = '';
  const proc = spawn(node, [...(preload === 'none' ? [] : preloadArgs(preload)), join(APPS, app)], {
    cwd: REPO_DIR,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  const t = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (c, s) => resolve({ code: c, signal: s })),
  );
  clearTimeout(t);
  const last = out.trim().split('\n').at(-1) ?? '{}';
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(last) as Record<string, unknown>;
  } catch {
    parsed = { raw: out };
  }
  return { code, signal, out: parsed, stderr: err };
}

export interface TestRedis {
  url: string;
  port: number;
  /** Stops redis-server (SIGTERM: it writes its append-only file first) and waits for it to exit. */
  stop: () => Promise<void>;
  /** Stops it and starts it again on the same port and data directory. */
  restart: () => Promise<void>;
}

/**
 * A throw-away `redis-server` (Debian package redis-server, installed by `npm test`) on a free port, with its own
 * data directory and an append-only file, so a restart keeps what was written (as a production Redis would).
 * Never the machine's own Redis: the tests depend on nothing the machine happens to run.
 */
export async function startRedis(): Promise<TestRedis> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const net = await import('node:net');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ob-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const s = net.createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
      s.setTimeout(1000, () => s.destroy());
      s.on('data', (d) => {
        resolve(d.toString().startsWith('+PONG'));
        s.destroy();
      });
      s.on('error', () => resolve(false));
      s.on('close', () => resolve(false));
    });
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'],
      { stdio: 'ignore' },
    );
    proc.on('error', () => {});
    for (let i = 0; i < 100; i++) {
      if (await answers()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port} (is the Debian package redis-server installed?)`);
  };
  const halt = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    url,
    port,
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt();
      await launch();
    },
  };
}

/**
 * What an app wrote on stderr, less the bootstrap's export-failure lines: the shared stack's collector may restart
 * during a test, and a failed export (logged, retried with the next cumulative export) is the designed behaviour.
 */
export function unexpectedStderr(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== '' && !/^\[otel-bootstrap\] error: .*export/.test(l))
    .join('\n');
}
