// Starts our collector binary on ports of its own, with the shared config plus overlays, for tests and benchmarks.
// It never touches the local stack's collector: every port, the storage directory and the telemetry port are its own.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@foursignals/test-support';
import { collectorBinary, REPO } from './tools.ts';

export interface CollectorPorts {
  grpc: number;
  http: number;
  health: number;
  telemetry: number;
}

export interface RunningCollector {
  name: string;
  ports: CollectorPorts;
  process: ChildProcess;
  logFile: string;
  storageDir: string;
  log(): string;
  stop(): Promise<void>;
}

export interface CollectorOptions {
  name: string;
  /** Overlay file names in otel-collector/overlays (without .yaml), merged after config.yaml in this order. */
  overlays?: string[];
  /** Extra config files (absolute paths), merged after the overlays. */
  extraConfigs?: string[];
  env?: Record<string, string>;
  /** How long to wait for the health check. @default 60000 */
  readyTimeoutMs?: number;
}

export async function allocatePorts(): Promise<CollectorPorts> {
  return {
    grpc: await freePort(),
    http: await freePort(),
    health: await freePort(),
    telemetry: await freePort(),
  };
}

export function configArgs(overlays: string[] = [], extra: string[] = []): string[] {
  return [
    join(REPO, 'otel-collector', 'config.yaml'),
    ...overlays.map((o) => join(REPO, 'otel-collector', 'overlays', `${o}.yaml`)),
    ...extra,
  ].flatMap((f) => ['--config', f]);
}

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const binary = collectorBinary();
  const ports = await allocatePorts();
  const dir = mkdtempSync(join(tmpdir(), `foursignals-${options.name}-`));
  const storageDir = join(dir, 'storage');
  const logFile = join(dir, 'collector.log');
  const out = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.grpc}`,
    OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.http}`,
    // As shipped (Dockerfile, Kubernetes manifests, local stack).
    GOGC: '400',
    COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${ports.health}`,
    COLLECTOR_TELEMETRY_HOST: '127.0.0.1',
    COLLECTOR_TELEMETRY_PORT: String(ports.telemetry),
    COLLECTOR_TELEMETRY_TARGET: `127.0.0.1:${ports.telemetry}`,
    COLLECTOR_STORAGE_DIR: storageDir,
    // Nothing is scraped by accident: a port nobody listens on.
    RABBITMQ_PROMETHEUS_TARGET: '127.0.0.1:9',
    DEPLOYMENT_ENVIRONMENT: 'deploy-tests',
    ...options.env,
  };
  const child = spawn(binary, configArgs(options.overlays, options.extraConfigs), {
    env,
    stdio: ['ignore', out, out],
  });
  const log = () => readFileSync(logFile, 'utf8');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningCollector = {
    name: options.name,
    ports,
    process: child,
    logFile,
    storageDir,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited ${child.exitCode}:\n${log().slice(-4000)}`);
    try {
      const r = await fetch(`http://127.0.0.1:${ports.health}/`);
      if (r.ok) return running;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await running.stop();
  throw new Error(`${options.name} not healthy in time:\n${log().slice(-4000)}`);
}
