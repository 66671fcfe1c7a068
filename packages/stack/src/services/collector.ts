import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { httpOk, readPid, spawnDaemon, stopPid } from '../daemon.ts';
import { HOST, PORTS } from '../ports.ts';
import { buildScript, buildScriptSync } from './build.ts';
import { watchedProcessesConfig } from './mes.ts';
import { logFileOf, pidFileOf, runningByPid, type Service, type StackContext } from './service.ts';

const NAME = 'collector';
let binary: string | undefined;

const SCRIPT = 'otel-collector/build.sh';

/** The collector binary from otel-collector/build.sh (cached by manifest hash; the first build takes minutes). */
export function collectorBinary(ctx: StackContext): string {
  binary ??= buildScriptSync(ctx, SCRIPT, NAME);
  return binary;
}

/**
 * The processes the collector reports (docs/processes.md): the stack's MES, or FOURSIGNALS_WATCHED_PROCESSES (a file
 * of your own in the same form). Written into the state directory on every call, so it follows the code.
 */
function watchedProcessesFile(ctx: StackContext, env: NodeJS.ProcessEnv): string {
  if (env.FOURSIGNALS_WATCHED_PROCESSES) return env.FOURSIGNALS_WATCHED_PROCESSES;
  const file = join(ctx.state, NAME, 'watched-processes.yaml');
  mkdirSync(join(ctx.state, NAME), { recursive: true });
  writeFileSync(file, watchedProcessesConfig(ctx));
  return file;
}

/** OTLP over gRPC, as the otlp exporter takes it: host:port, optionally with an http(s):// scheme. */
const OTLP_GRPC_ENDPOINT = /^(https?:\/\/)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/**
 * The configuration files: the shared config (or FOURSIGNALS_COLLECTOR_CONFIG) plus the overlays named in
 * FOURSIGNALS_COLLECTOR_OVERLAYS (comma-separated names from otel-collector/overlays/), overlays/forward.yaml when
 * OTLP_FORWARD_ENDPOINT is set (traces and logs go there instead of being dropped), and the watched processes.
 * Every problem with these variables is reported together, each naming its variable, before anything starts.
 */
export function collectorConfigArgs(ctx: StackContext, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const overlayDir = join(ctx.repo, 'otel-collector', 'overlays');
  const config = env.FOURSIGNALS_COLLECTOR_CONFIG || join(ctx.repo, 'otel-collector', 'config.yaml');
  if (env.FOURSIGNALS_COLLECTOR_CONFIG && !existsSync(config)) {
    problems.push(`FOURSIGNALS_COLLECTOR_CONFIG=${config}: no such file`);
  }
  const overlays = (env.FOURSIGNALS_COLLECTOR_OVERLAYS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => (o.endsWith('.yaml') ? o.slice(0, -'.yaml'.length) : o));
  const known = readdirSync(overlayDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  for (const o of overlays) {
    if (!known.includes(o)) {
      problems.push(
        `FOURSIGNALS_COLLECTOR_OVERLAYS: no overlay "${o}" in otel-collector/overlays (have: ${known.join(', ')})`,
      );
    }
  }
  const forward = env.OTLP_FORWARD_ENDPOINT;
  if (forward !== undefined && forward !== '') {
    if (OTLP_GRPC_ENDPOINT.test(forward)) overlays.push('forward');
    else
      problems.push(`OTLP_FORWARD_ENDPOINT=${forward}: expected host:port of an OTLP gRPC endpoint (e.g. tempo:4317)`);
  }
  const watched = env.FOURSIGNALS_WATCHED_PROCESSES;
  if (watched && !existsSync(watched)) problems.push(`FOURSIGNALS_WATCHED_PROCESSES=${watched}: no such file`);
  if (problems.length > 0) throw new Error(`collector configuration:\n  ${problems.join('\n  ')}`);
  const files = [config, ...overlays.map((o) => join(overlayDir, `${o}.yaml`)), watchedProcessesFile(ctx, env)];
  return files.flatMap((f) => ['--config', f]);
}

/** The environment the shared config reads (see otel-collector/config.yaml), set to the local port plan. */
export function collectorEnv(ctx: StackContext): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COLLECTOR_HEALTH_ENDPOINT: `${HOST}:${PORTS.collectorHealth}`,
    COLLECTOR_STORAGE_DIR: join(ctx.state, NAME, 'storage'),
    COLLECTOR_TELEMETRY_HOST: HOST,
    COLLECTOR_TELEMETRY_PORT: String(PORTS.collectorTelemetry),
    COLLECTOR_TELEMETRY_TARGET: `${HOST}:${PORTS.collectorTelemetry}`,
    OTLP_GRPC_ENDPOINT: `${HOST}:${PORTS.otlpGrpc}`,
    OTLP_HTTP_ENDPOINT: `${HOST}:${PORTS.otlpHttp}`,
    // Fewer garbage collections: the collector's largest CPU saving (docs/scaling.md). Yours wins if set.
    GOGC: process.env.GOGC || '400',
    PROMETHEUS_REMOTE_WRITE_URL: `http://${HOST}:${PORTS.prometheus}/api/v1/write`,
    RABBITMQ_PROMETHEUS_TARGET: `${HOST}:${PORTS.rabbitmqPrometheus}`,
    INFLUXDB_URL: `http://${HOST}:${PORTS.influxdbHttp}`,
    INFLUXDB_V1_COMPATIBILITY: 'true',
    INFLUXDB_DATABASE: 'foursignals',
    HOST_NAME: process.env.HOST_NAME || hostname(),
  };
}

/** Our collector distribution: OTLP and named processes in; Prometheus remote write and InfluxDB out. */
export const collector: Service = {
  name: NAME,
  debianPackages: [],
  ports: [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.collectorHealth, PORTS.collectorTelemetry],
  async install(ctx) {
    binary ??= await buildScript(ctx, SCRIPT, NAME);
  },
  async validate(ctx) {
    mkdirSync(join(ctx.state, NAME, 'storage'), { recursive: true });
    const r = spawnSync(collectorBinary(ctx), ['validate', ...collectorConfigArgs(ctx)], {
      env: collectorEnv(ctx),
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      throw new Error(
        `collector: the configuration is invalid:\n${(r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n')}`,
      );
    }
  },
  async prepare(ctx) {
    mkdirSync(join(ctx.state, NAME, 'storage'), { recursive: true });
  },
  async start(ctx) {
    spawnDaemon({
      command: collectorBinary(ctx),
      args: collectorConfigArgs(ctx),
      env: collectorEnv(ctx),
      logFile: logFileOf(ctx, NAME),
      pidFile: pidFileOf(ctx, NAME),
    });
  },
  ready: () => httpOk(`http://${HOST}:${PORTS.collectorHealth}/`),
  running: (ctx) => runningByPid(ctx, NAME),
  stop: async (ctx) => stopPid(readPid(pidFileOf(ctx, NAME)), pidFileOf(ctx, NAME), 30_000),
  logFile: (ctx) => logFileOf(ctx, NAME),
  endpoints: () => ({
    otlp_http_url: `http://${HOST}:${PORTS.otlpHttp}`,
    otlp_grpc_url: `http://${HOST}:${PORTS.otlpGrpc}`,
    collector_health_url: `http://${HOST}:${PORTS.collectorHealth}/`,
    collector_metrics_url: `http://${HOST}:${PORTS.collectorTelemetry}/metrics`,
  }),
};
