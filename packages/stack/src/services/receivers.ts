import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { httpOk, readPid, spawnDaemon, stopPid } from '../daemon.ts';
import { HOST, PORTS } from '../ports.ts';
import { collector } from './collector.ts';
import { postgres } from './postgres.ts';
import { rabbitmq } from './rabbitmq.ts';
import { seaweedfs } from './seaweedfs.ts';
import { logFileOf, pidFileOf, runningByPid, type Service, type StackContext } from './service.ts';

const NAME = 'receivers';
const entry = (ctx: StackContext) => join(ctx.repo, 'packages', 'receivers', 'dist', 'cli.js');
const config = (ctx: StackContext) =>
  process.env.FOURSIGNALS_RECEIVERS_CONFIG || join(ctx.repo, 'packages', 'receivers', 'config', 'local.yaml');

/** What packages/receivers/config/local.yaml reads: the endpoints of this stack's own servers. */
function receiversEnv(ctx: StackContext): NodeJS.ProcessEnv {
  const pg = postgres.endpoints(ctx);
  const s3 = seaweedfs.endpoints(ctx);
  const mq = rabbitmq.endpoints(ctx);
  return {
    ...process.env,
    FOURSIGNALS_POSTGRES_URL: pg.postgres_monitor_url,
    FOURSIGNALS_S3_ENDPOINT: s3.s3_endpoint,
    FOURSIGNALS_S3_ACCESS_KEY_ID: s3.s3_access_key_id,
    FOURSIGNALS_S3_SECRET_ACCESS_KEY: s3.s3_secret_access_key,
    FOURSIGNALS_S3_METRICS_URL: s3.s3_metrics_url,
    FOURSIGNALS_RABBITMQ_URL: mq.rabbitmq_url,
    FOURSIGNALS_RABBITMQ_MANAGEMENT_URL: mq.rabbitmq_management_url,
    FOURSIGNALS_RABBITMQ_PROMETHEUS_ENDPOINT: `http://${HOST}:${PORTS.rabbitmqPrometheus}`,
    FOURSIGNALS_OTLP_HTTP_URL: collector.endpoints(ctx).otlp_http_url,
    FOURSIGNALS_RECEIVERS_PROMETHEUS: `${HOST}:${PORTS.receiversPrometheus}`,
  };
}

/** The receivers process (packages/receivers) against the stack's own PostgreSQL, RabbitMQ and S3. */
export const receivers: Service = {
  name: NAME,
  debianPackages: [],
  ports: [PORTS.receiversPrometheus],
  async install(ctx) {
    // Our own TypeScript packages: turbo's cache makes this a no-op when nothing changed.
    const r = spawnSync(
      join(ctx.repo, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--filter=@foursignals/receivers...', '--output-logs=errors-only'],
      {
        cwd: ctx.repo,
        encoding: 'utf8',
      },
    );
    if (r.status !== 0)
      throw new Error(
        `receivers: the build failed:\n${(r.stdout + r.stderr).trim().split('\n').slice(-15).join('\n')}`,
      );
  },
  async validate(ctx) {
    const r = spawnSync(process.execPath, [entry(ctx), '--config', config(ctx), '--check'], {
      env: receiversEnv(ctx),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`receivers: ${config(ctx)} is invalid:\n${(r.stderr || r.stdout).trim()}`);
  },
  async prepare() {},
  async start(ctx) {
    spawnDaemon({
      command: process.execPath,
      // A small young generation keeps RSS flat at thousands of queues (see docs/benchmarks.md, RabbitMQ receiver).
      args: ['--max-semi-space-size=2', entry(ctx), '--config', config(ctx)],
      env: receiversEnv(ctx),
      logFile: logFileOf(ctx, NAME),
      pidFile: pidFileOf(ctx, NAME),
    });
  },
  ready: () => httpOk(`http://${HOST}:${PORTS.receiversPrometheus}/metrics`),
  running: (ctx) => runningByPid(ctx, NAME),
  stop: async (ctx) => stopPid(readPid(pidFileOf(ctx, NAME)), pidFileOf(ctx, NAME)),
  logFile: (ctx) => logFileOf(ctx, NAME),
  endpoints: () => ({ receivers_metrics_url: `http://${HOST}:${PORTS.receiversPrometheus}/metrics` }),
};
