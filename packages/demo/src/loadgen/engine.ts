import { DEFAULT_JWT_SECRET } from '../common/env.ts';
import { type Faults, readFaults } from '../common/faults.ts';
import { type CountRow, RequestCounter } from './counter.ts';
import { buildMix, floodOrder, type RequestSpec, type Scenario, type ServiceName } from './scenarios.ts';

/** Options of a load run. */
export interface LoadOptions {
  /** Base URLs of the three APIs. */
  targets: Record<ServiceName, string>;
  /** Requests per second across all services (outside bursts). @default 20 */
  rate?: number;
  /** Seconds to run; 0 = until `signal` aborts. @default 60 */
  durationSec?: number;
  /** Distinct MES API users. @default 400 */
  users?: number;
  /** A burst every this many seconds; 0 = no bursts. @default 60 */
  burstEverySec?: number;
  /** Seconds a burst lasts. @default 5 */
  burstSec?: number;
  /** Rate multiplier during a burst. @default 3 */
  burstFactor?: number;
  /** Orders per second added while the order-flood fault is on. @default 150 */
  floodRate?: number;
  /** Requests in flight at most; beyond it a request is not sent (and not counted). @default 64 */
  maxInFlight?: number;
  /** The fault switches file (poison, order-flood are the generator's). */
  faultsFile?: string;
  jwtSecret?: string;
  /** Keeps CRM e-mails, new users and PO numbers unique across runs. */
  runId?: string;
  /**
   * The everyday trouble of a real company: orders naming a discontinued material (the worker rejects them: dead
   * letters, reason rejected), urgent orders with a 3 s deadline (some expire in the queue), resubmitted purchase
   * orders (409, a unique violation in the MES DB). Tests that need a calm baseline turn it off. @default true
   */
  everydayTrouble?: boolean;
  signal?: AbortSignal;
  /** Called every second with the running count. */
  onProgress?: (sent: number, counter: RequestCounter) => void;
  /** Counts only; used by tests to decide what to send (e.g. only one service). */
  services?: ServiceName[];
}

export interface LoadResult {
  runId: string;
  startedAt: string;
  endedAt: string;
  sent: number;
  /** Requests the generator skipped because too many were in flight (never sent, never counted). */
  skipped: number;
  counts: CountRow[];
}

/** Runs the open-loop load; resolves after every request sent has been answered (or failed). */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const rate = o.rate ?? 20;
  const durationMs = (o.durationSec ?? 60) * 1000;
  const burstEvery = (o.burstEverySec ?? 60) * 1000;
  const burstMs = (o.burstSec ?? 5) * 1000;
  const burstFactor = o.burstFactor ?? 3;
  const floodRate = o.floodRate ?? 150;
  const maxInFlight = o.maxInFlight ?? 64;
  const runId = o.runId ?? Date.now().toString(36);
  let faults: Faults = readFaults(o.faultsFile ?? '');
  const mix = buildMix({
    users: o.users ?? 400,
    jwtSecret: o.jwtSecret ?? DEFAULT_JWT_SECRET,
    poison: () => faults.poison,
    everydayTrouble: o.everydayTrouble ?? true,
    runId,
  }).filter((s) => !o.services || o.services.includes(s.service));
  const totalWeight = mix.reduce((s, x) => s + x.weight, 0);
  const pickScenario = (): Scenario => {
    let r = Math.random() * totalWeight;
    for (const s of mix) {
      r -= s.weight;
      if (r < 0) return s;
    }
    return mix[mix.length - 1]!;
  };

  const counter = new RequestCounter();
  const inflight = new Set<Promise<void>>();
  let skipped = 0;
  let sent = 0;
  const start = Date.now();
  const startedAt = new Date(start).toISOString();

  const send = (spec: RequestSpec) => {
    if (inflight.size >= maxInFlight) {
      skipped++;
      return;
    }
    sent++;
    const p = fire(o.targets[spec.service], spec, counter).finally(() => inflight.delete(p));
    inflight.add(p);
  };

  let credit = 0;
  let floodCredit = 0;
  let last = start;
  let lastProgress = start;
  let lastFaultRead = start;
  const tickMs = 20;
  while (!o.signal?.aborted) {
    const now = Date.now();
    const elapsed = now - start;
    if (durationMs > 0 && elapsed >= durationMs) break;
    if (now - lastFaultRead >= 1000) {
      faults = readFaults(o.faultsFile ?? '');
      lastFaultRead = now;
    }
    const dt = (now - last) / 1000;
    last = now;
    const inBurst = burstEvery > 0 && elapsed % burstEvery >= burstEvery - burstMs;
    credit += dt * rate * (inBurst ? burstFactor : 1);
    while (credit >= 1) {
      credit -= 1;
      send(pickScenario().next());
    }
    if (faults.orderFlood && (!o.services || o.services.includes('mes-api'))) {
      floodCredit += dt * floodRate;
      while (floodCredit >= 1) {
        floodCredit -= 1;
        send(floodOrder());
      }
    }
    if (o.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      o.onProgress(sent, counter);
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inflight);
  return { runId, startedAt, endedAt: new Date().toISOString(), sent, skipped, counts: counter.rows() };
}

async function fire(base: string, spec: RequestSpec, counter: RequestCounter): Promise<void> {
  const headers: Record<string, string> = { ...spec.headers };
  let body: string | undefined;
  if (spec.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.body);
  }
  let status = 'error';
  try {
    const res = await fetch(base + spec.path, {
      method: spec.method,
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    status = String(res.status);
    const type = res.headers.get('content-type') ?? '';
    const payload = type.includes('json') ? await res.json().catch(() => undefined) : await res.arrayBuffer();
    spec.onResponse?.(res.status, payload);
  } catch {
    // no answer: counted as 'error' (the server may or may not have recorded it)
  }
  counter.add(spec.service, spec.route, spec.method, status);
}
