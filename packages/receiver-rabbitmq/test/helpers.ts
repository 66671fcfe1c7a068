// Test helpers: the stack's RabbitMQ node (endpoints from @foursignals/stack), rabbitmqctl against it, the
// management API, and a scrape context. FOURSIGNALS_RABBITMQCTL / FOURSIGNALS_RABBITMQ_RESTART (commands) let a
// developer point the tests at another node, together with FOURSIGNALS_STATE_DIR.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Observation, parsePrometheusText, type ScrapeContext } from '@foursignals/receiver-core';
import { readEndpoints } from '@foursignals/stack';
import type { RabbitMQConfig } from '../src/index.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const stackCli = join(repo, 'packages', 'stack', 'src', 'cli.ts');

export interface Broker {
  amqpUrl: string;
  managementUrl: string;
  prometheusUrl: string;
  username: string;
  password: string;
}

export function broker(): Broker {
  const e = readEndpoints();
  const amqp = new URL(e.rabbitmq_url);
  const username = decodeURIComponent(amqp.username) || 'guest';
  const password = decodeURIComponent(amqp.password) || 'guest';
  amqp.username = '';
  amqp.password = '';
  return {
    amqpUrl: amqp.toString().replace(/\/$/, ''),
    managementUrl: e.rabbitmq_management_url.replace(/\/$/, ''),
    prometheusUrl: (e.rabbitmq_prometheus_url ?? 'http://127.0.0.1:29692').replace(/\/(metrics)?\/?$/, ''),
    username,
    password,
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function receiverConfig(b: Broker, extra: Partial<RabbitMQConfig> = {}): RabbitMQConfig {
  return {
    endpoint: b.managementUrl,
    prometheus_endpoint: b.prometheusUrl,
    amqp_endpoint: b.amqpUrl,
    username: b.username,
    password: b.password,
    ...extra,
  };
}

export async function mgmt(b: Broker, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${b.managementUrl}/api${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${b.username}:${b.password}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) {
    throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** A scratch vhost the broker user may use fully. */
export async function createVhost(b: Broker, vhost: string): Promise<void> {
  await mgmt(b, 'PUT', `/vhosts/${encodeURIComponent(vhost)}`, {});
  await mgmt(b, 'PUT', `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(b.username)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
}

export async function deleteVhost(b: Broker, vhost: string): Promise<void> {
  await mgmt(b, 'DELETE', `/vhosts/${encodeURIComponent(vhost)}`);
}

function ctlCommand(): [string, string[]] {
  const own = process.env.FOURSIGNALS_RABBITMQCTL;
  if (own) return ['sh', ['-c', `${own} "$@"`, 'rabbitmqctl']];
  return [process.execPath, [stackCli, 'rabbitmqctl']];
}

export interface CtlQueue {
  name: string;
  messages_ready: number;
  messages_unacknowledged: number;
  consumers: number;
}

/** `rabbitmqctl list_queues -p <vhost> name messages_ready messages_unacknowledged consumers`: the independent count. */
export function listQueues(vhost: string): CtlQueue[] {
  const [cmd, pre] = ctlCommand();
  const r = spawnSync(
    cmd,
    [
      ...pre,
      'list_queues',
      '-p',
      vhost,
      '--quiet',
      '--formatter',
      'json',
      'name',
      'messages_ready',
      'messages_unacknowledged',
      'consumers',
    ],
    { encoding: 'utf8', cwd: repo },
  );
  if (r.status !== 0) throw new Error(`rabbitmqctl list_queues failed: ${r.stderr}${r.stdout}`);
  const start = r.stdout.indexOf('[');
  return JSON.parse(r.stdout.slice(start)) as CtlQueue[];
}

/** Restarts the broker (`npm run stack -- restart rabbitmq`); resolves when it is back. */
export function restartBroker(): Promise<void> {
  const own = process.env.FOURSIGNALS_RABBITMQ_RESTART;
  const [cmd, args] = own ? ['sh', ['-c', own]] : [process.execPath, [stackCli, 'restart', 'rabbitmq']];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`broker restart exited ${code}`))));
  });
}

export function context(warnings: string[] = []): ScrapeContext {
  return { signal: AbortSignal.timeout(15_000), warn: (m) => warnings.push(m) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value for which `ok` holds; returns the last value either way (assert on it). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try {
      v = await fn();
      if (ok(v)) return v;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline && v !== undefined) return v;
    await sleep(500);
  }
}

export function pick(obs: Observation[], metric: string, attrs: Record<string, string> = {}): Observation[] {
  return obs.filter((o) => o.metric === metric && Object.entries(attrs).every(([k, v]) => o.attributes[k] === v));
}

/** The broker's global dead-letter counters per reason, for strategies that route (not `disabled`), of one queue type. */
export async function globalDeadLetters(
  b: Broker,
  queueType: 'rabbit_classic_queue' | 'rabbit_quorum_queue',
): Promise<Record<string, number>> {
  const text = await (await fetch(`${b.prometheusUrl}/metrics`)).text();
  const out: Record<string, number> = { expired: 0, rejected: 0, maxlen: 0, delivery_limit: 0 };
  for (const sample of parsePrometheusText(text)) {
    const reason = /^rabbitmq_global_messages_dead_lettered_(\w+?)_total$/.exec(sample.name)?.[1];
    if (!reason || reason === 'confirmed' || sample.labels.dead_letter_strategy === 'disabled') continue;
    if (sample.labels.queue_type !== queueType) continue;
    out[reason] = (out[reason] ?? 0) + sample.value;
  }
  return out;
}

/** Deep equality regardless of key order (what assert.deepStrictEqual checks), as a predicate for `eventually`. */
export function same(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Closes an AMQP connection the broker may be closing at the same time (vhost deleted, restart) without hanging. */
export async function closeQuietly(conn: { close(): Promise<void> } | undefined): Promise<void> {
  if (!conn) return;
  await Promise.race([conn.close().catch(() => {}), sleep(2000)]);
}
