import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { portFree, tail } from './daemon.ts';
import { endpointsFile } from './endpoints.ts';
import { installPackages } from './install.ts';
import { cacheDir, stateDir } from './paths.ts';
import { SERVICES } from './services/index.ts';
import type { Service, StackContext } from './services/service.ts';

export function context(log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): StackContext {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return { state: stateDir(), cache: cacheDir(), repo, log };
}

export class StackError extends Error {
  override name = 'StackError';
}

/** Resolves `only` (service names) against SERVICES, naming unknown ones. */
export function select(only: readonly string[] = []): Service[] {
  if (only.length === 0) return [...SERVICES];
  const unknown = only.filter((n) => !SERVICES.some((s) => s.name === n));
  if (unknown.length)
    throw new StackError(`unknown service(s): ${unknown.join(', ')}; known: ${SERVICES.map((s) => s.name).join(', ')}`);
  return SERVICES.filter((s) => only.includes(s.name));
}

/**
 * Brings the stack up, idempotently: installs what is missing, validates, then starts each stopped service and waits
 * until it answers. On any failure it names the service, shows its log tail, stops what THIS call started, and throws.
 */
export async function up(ctx = context(), services: Service[] = [...SERVICES]): Promise<void> {
  const started: Service[] = [];
  const t0 = Date.now();
  try {
    mkdirSync(ctx.state, { recursive: true, mode: 0o755 });
    // Every install starts at once: the Go builds (minutes on a first run, partly waiting on the module proxy) run
    // as child processes beside the Debian installs and the TypeScript build, which block this thread meanwhile.
    const installs = Promise.allSettled(services.map(async (s) => s.install?.(ctx)));
    let aptFailed: unknown;
    try {
      installPackages(
        services.flatMap((s) => s.debianPackages),
        ctx.log,
      );
    } catch (err) {
      aptFailed = err;
    }
    // Even when apt failed, wait: no build is left running behind our back.
    const failed = (await installs).find((r) => r.status === 'rejected');
    if (aptFailed) throw aptFailed;
    if (failed) throw failed.reason;
    for (const s of services) await s.validate?.(ctx);
    // Port check before starting anything: a port held by someone else fails fast, naming port and service.
    const taken: string[] = [];
    for (const s of services) {
      if (s.running(ctx)) continue;
      for (const port of s.ports) if (!(await portFree(port))) taken.push(`${port} (${s.name})`);
    }
    if (taken.length) throw new StackError(`port(s) already in use by another process: ${taken.join(', ')}`);

    for (const s of services) {
      if (s.running(ctx) && (await s.ready(ctx))) {
        if (s.reload) {
          await s.prepare(ctx);
          await s.reload(ctx);
        }
        ctx.log(`  ${s.name.padEnd(14)} already running${s.reload ? ' (configuration reloaded)' : ''}`);
        continue;
      }
      const ts = Date.now();
      await s.prepare(ctx);
      started.push(s);
      await s.start(ctx);
      await waitReady(ctx, s);
      await s.initialise?.(ctx);
      ctx.log(`  ${s.name.padEnd(14)} ready in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
    }
    writeEndpoints(ctx);
    ctx.log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s (state: ${ctx.state})`);
  } catch (err) {
    for (const s of started.reverse()) {
      ctx.log(`  stopping ${s.name} (up failed)`);
      await s.stop(ctx).catch(() => {});
    }
    throw err;
  }
}

async function waitReady(ctx: StackContext, s: Service): Promise<void> {
  const timeout = s.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeout;
  let dots = 0;
  while (Date.now() < deadline) {
    if (await s.ready(ctx)) return;
    if (!s.running(ctx) && Date.now() - deadline + timeout > 1_000) {
      throw new StackError(
        `${s.name} exited during start-up; last lines of ${s.logFile(ctx)}:\n${tail(s.logFile(ctx))}`,
      );
    }
    if (++dots % 10 === 0)
      ctx.log(`  ${s.name.padEnd(14)} waiting (${Math.round((Date.now() - deadline + timeout) / 1000)} s)`);
    await sleep(500);
  }
  throw new StackError(
    `${s.name} not ready after ${timeout / 1000} s; last lines of ${s.logFile(ctx)}:\n${tail(s.logFile(ctx))}`,
  );
}

/** Stops exactly what `up` started (pid files), in reverse order. */
export async function down(ctx = context(), services: Service[] = [...SERVICES]): Promise<void> {
  for (const s of [...services].reverse()) {
    if (!s.running(ctx)) continue;
    ctx.log(`  stopping ${s.name}`);
    await s.stop(ctx);
  }
  if (services.length === SERVICES.length) rmSync(endpointsFile(ctx.state), { force: true });
}

export function endpoints(ctx = context()): Record<string, string> {
  return Object.assign({ state_dir: ctx.state }, ...SERVICES.map((s) => s.endpoints(ctx)));
}

function writeEndpoints(ctx: StackContext): void {
  writeFileSync(endpointsFile(ctx.state), `${JSON.stringify(endpoints(ctx), null, 2)}\n`, { mode: 0o600 });
}

export async function status(ctx = context()): Promise<Record<string, 'ready' | 'running' | 'stopped'>> {
  const out: Record<string, 'ready' | 'running' | 'stopped'> = {};
  for (const s of SERVICES) out[s.name] = !s.running(ctx) ? 'stopped' : (await s.ready(ctx)) ? 'ready' : 'running';
  return out;
}
