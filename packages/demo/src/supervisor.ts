import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Endpoints, PORTS } from '@foursignals/stack';
import { databaseUrl, ensureDatabase } from './common/db.ts';

/** The four processes of the company, and the load generator. */
export const SERVICES = ['mes-api', 'shop-api', 'crm-api', 'mes-worker'] as const;
export type Service = (typeof SERVICES)[number];
export type ApiService = Exclude<Service, 'mes-worker'>;

export const DEFAULT_PORTS: Record<ApiService, number> = {
  'mes-api': PORTS.mesApi,
  'shop-api': PORTS.shopApi,
  'crm-api': PORTS.crmApi,
};

export const DEFAULT_NAMESPACE = 'foursignals-demo';

/** packages/demo (source tree). */
export const PACKAGE_DIR = resolve(import.meta.dirname, '..');
export const REPO_DIR = resolve(PACKAGE_DIR, '..', '..');
const SRC = join(PACKAGE_DIR, 'src');

/** Where `demo up` keeps pid files, logs, the faults file and the load generator's counts. */
export function demoDir(endpoints: Endpoints): string {
  return join(endpoints.state_dir, 'demo');
}

export function faultsFile(endpoints: Endpoints): string {
  return join(demoDir(endpoints), 'faults.json');
}

/**
 * The `--require` argument for otel-bootstrap, or undefined while the package is not built yet (the company then
 * runs without instrumentation, and the signals view shows its signals as missing).
 */
export function bootstrapRequire(): string | undefined {
  const dir = join(REPO_DIR, 'packages', 'otel-bootstrap');
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: string };
    if (pkg.main && existsSync(join(dir, pkg.main))) return dir;
  } catch {
    // not there yet
  }
  return undefined;
}

export interface CompanyOptions {
  endpoints: Endpoints;
  /** HTTP ports of the APIs. @default the stack's port plan (29401-29403) */
  ports?: Partial<Record<ApiService, number>>;
  /**
   * `service.namespace` of every service; it becomes the `service_namespace` label in Prometheus, so a test gives
   * its run a namespace of its own to tell its series from any other run's. @default foursignals-demo
   */
  namespace?: string;
  /** OTEL_METRIC_EXPORT_INTERVAL for the services. @default 5000 */
  exportIntervalMs?: number;
  /** Database names on the stack's PostgreSQL. @default DEMO_SHOP_DATABASE / DEMO_MES_DATABASE, else shop, mes */
  shopDatabase?: string;
  mesDatabase?: string;
  /** The fault switches file. @default <state_dir>/demo/faults.json */
  faultsFile?: string;
  /** Detach the children (background demo) and log to files in this directory. */
  logDir?: string;
  detached?: boolean;
  /** Start without otel-bootstrap even if it is built. */
  noBootstrap?: boolean;
}

export interface RunningService {
  name: Service;
  pid: number;
  url: string | undefined;
  child: ChildProcess;
}

const shopDb = (o: CompanyOptions) => o.shopDatabase ?? process.env.DEMO_SHOP_DATABASE ?? 'shop';
const mesDb = (o: CompanyOptions) => o.mesDatabase ?? process.env.DEMO_MES_DATABASE ?? 'mes';

/** The environment of one service: endpoints of the stack plus the standard OTEL_* variables. */
export function serviceEnv(o: CompanyOptions, name: Service, port: number | undefined): NodeJS.ProcessEnv {
  const e = o.endpoints;
  const attrs = [`service.namespace=${o.namespace ?? DEFAULT_NAMESPACE}`, 'deployment.environment.name=local'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: port === undefined ? undefined : String(port),
    DEMO_SHOP_DATABASE_URL: databaseUrl(e.postgres_url, shopDb(o)),
    DEMO_MES_DATABASE_URL: databaseUrl(e.postgres_url, mesDb(o)),
    DEMO_RABBITMQ_URL: e.rabbitmq_url,
    DEMO_FAULTS_FILE: o.faultsFile ?? faultsFile(e),
    OTEL_SERVICE_NAME: name,
    OTEL_RESOURCE_ATTRIBUTES: attrs.join(','),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: e.otlp_http_url,
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative',
    OTEL_METRIC_EXPORT_INTERVAL: String(o.exportIntervalMs ?? 5000),
  };
  if (e.s3_endpoint) {
    env.DEMO_S3_ENDPOINT = e.s3_endpoint;
    env.DEMO_S3_ACCESS_KEY_ID = e.s3_access_key_id;
    env.DEMO_S3_SECRET_ACCESS_KEY = e.s3_secret_access_key;
    if (e.s3_region) env.DEMO_S3_REGION = e.s3_region;
  }
  if (name === 'mes-api') env.FOURSIGNALS_DAU_IDENTITY = `hook:${join(SRC, 'mes-api', 'user-identity.ts')}`;
  return env;
}

/** Node 24 from the repo's `node` devDependency when we run on it; otherwise whatever runs us. */
function nodeBin(): string {
  return process.execPath;
}

/** Creates the databases if the stack did not. */
export async function prepareDatabases(o: CompanyOptions): Promise<void> {
  await ensureDatabase(o.endpoints.postgres_url, shopDb(o));
  await ensureDatabase(o.endpoints.postgres_url, mesDb(o));
}

/** Starts the four services and waits until the three APIs answer /api/health. */
export async function startCompany(o: CompanyOptions): Promise<RunningService[]> {
  await prepareDatabases(o);
  const boot = o.noBootstrap ? undefined : bootstrapRequire();
  if (!boot && !o.noBootstrap)
    console.error('demo: packages/otel-bootstrap is not built yet; starting the company without it');
  const out: RunningService[] = [];
  // the APIs first (they create the schemas), then the worker
  for (const name of ['mes-api', 'shop-api', 'crm-api', 'mes-worker'] as const) {
    const port = name === 'mes-worker' ? undefined : (o.ports?.[name] ?? DEFAULT_PORTS[name]);
    const args = [...(boot ? ['--require', boot] : []), join(SRC, name, 'main.ts')];
    let stdio: ('ignore' | 'inherit' | number)[] = ['ignore', 'inherit', 'inherit'];
    let fd: number | undefined;
    if (o.logDir) {
      mkdirSync(o.logDir, { recursive: true });
      fd = openSync(join(o.logDir, `${name}.log`), 'a');
      stdio = ['ignore', fd, fd];
    }
    const child = spawn(nodeBin(), args, { env: serviceEnv(o, name, port), stdio, detached: o.detached ?? false });
    if (fd !== undefined) closeSync(fd);
    if (o.detached) child.unref();
    out.push({ name, pid: child.pid!, url: port === undefined ? undefined : `http://127.0.0.1:${port}`, child });
  }
  try {
    await Promise.all(out.filter((s) => s.url).map((s) => waitHealthy(s)));
  } catch (err) {
    stopCompany(out);
    throw err;
  }
  return out;
}

async function waitHealthy(s: RunningService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (s.child.exitCode !== null) throw new Error(`${s.name} exited with code ${s.child.exitCode}`);
    try {
      const r = await fetch(`${s.url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${s.name} did not answer ${s.url}/api/health within ${timeoutMs / 1000} s`);
}

/** SIGTERM to each; they flush their metrics and exit. */
export function stopCompany(services: RunningService[]): void {
  for (const s of services) {
    try {
      process.kill(s.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** Waits until every child has exited (SIGKILL after `timeoutMs`). */
export async function waitExit(services: RunningService[], timeoutMs = 10_000): Promise<void> {
  await Promise.all(
    services.map(
      (s) =>
        new Promise<void>((resolveExit) => {
          if (s.child.exitCode !== null || s.child.signalCode !== null) return resolveExit();
          const t = setTimeout(() => {
            try {
              s.child.kill('SIGKILL');
            } catch {}
          }, timeoutMs);
          s.child.once('exit', () => {
            clearTimeout(t);
            resolveExit();
          });
        }),
    ),
  );
}

// ---- the background demo: pid files under <state_dir>/demo ----

function pidFile(dir: string, name: string): string {
  return join(dir, `${name}.pid`);
}

/** Whether the pid is still one of ours (a recycled pid belonging to something else is not). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join('packages', 'demo'));
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}

/** Names and pids of the background demo's processes that are still running. */
export function demoStatus(endpoints: Endpoints): { name: string; pid: number; running: boolean }[] {
  const dir = demoDir(endpoints);
  const out: { name: string; pid: number; running: boolean }[] = [];
  for (const name of [...SERVICES, 'loadgen']) {
    const f = pidFile(dir, name);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, 'utf8').trim());
    out.push({ name, pid, running: pid > 0 && alive(pid) });
  }
  return out;
}

export interface DemoUpOptions {
  endpoints: Endpoints;
  /** Requests per second of the steady load; 0 = no load generator. @default 20 */
  rate?: number;
}

/** `npm run demo -- up`: the company and its load in the background, until `down`. Idempotent: returns false when
 * the demo was already running (nothing started). */
export async function demoUp(o: DemoUpOptions): Promise<boolean> {
  const dir = demoDir(o.endpoints);
  mkdirSync(dir, { recursive: true });
  const running = demoStatus(o.endpoints).filter((p) => p.running);
  if (running.length > 0) {
    console.log(`demo: already running (${running.map((p) => `${p.name} ${p.pid}`).join(', ')})`);
    return false;
  }
  const services = await startCompany({ endpoints: o.endpoints, logDir: dir, detached: true });
  for (const s of services) writeFileSync(pidFile(dir, s.name), `${s.pid}\n`);
  const rate = o.rate ?? 20;
  if (rate > 0) {
    const fd = openSync(join(dir, 'loadgen.log'), 'a');
    const child = spawn(
      nodeBin(),
      [
        // its live heap is ~15 MB; a small old space keeps V8 from letting RSS drift up over hours
        '--max-old-space-size=96',
        join(SRC, 'cli', 'main.ts'),
        'load',
        '--rate',
        String(rate),
        '--duration',
        '0',
        '--out',
        join(dir, 'load-counts.json'),
      ],
      {
        env: { ...process.env, FOURSIGNALS_STATE_DIR: o.endpoints.state_dir },
        stdio: ['ignore', fd, fd],
        detached: true,
      },
    );
    closeSync(fd);
    child.unref();
    writeFileSync(pidFile(dir, 'loadgen'), `${child.pid}\n`);
  }
  console.log(`demo: up (logs and pid files in ${dir})`);
  for (const s of services) console.log(`  ${s.name.padEnd(11)} pid ${s.pid}${s.url ? `  ${s.url}` : ''}`);
  if (rate > 0) console.log(`  loadgen     ${rate} req/s, counts in ${join(dir, 'load-counts.json')}`);
  return true;
}

/** `npm run demo -- down`: stops what `up` started (load generator first), waits for them to exit. */
export async function demoDown(endpoints: Endpoints): Promise<void> {
  const dir = demoDir(endpoints);
  const procs = demoStatus(endpoints);
  // the load generator first (and wait for it), so no request is in flight when the services stop
  const groups = [procs.filter((p) => p.name === 'loadgen'), procs.filter((p) => p.name !== 'loadgen')];
  for (const group of groups) {
    for (const p of group) {
      if (p.running) {
        try {
          process.kill(p.pid, 'SIGTERM');
        } catch {}
      }
    }
    const deadline = Date.now() + 10_000;
    for (const p of group) {
      while (p.running && alive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (p.running && alive(p.pid)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {}
      }
      rmSync(pidFile(dir, p.name), { force: true });
    }
  }
  console.log(procs.length ? `demo: down (${procs.map((p) => p.name).join(', ')})` : 'demo: not running');
}

export function ensureDir(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
}
