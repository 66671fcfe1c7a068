import { join } from 'node:path';
import { isAlive, readPid } from '../daemon.ts';

/** What every service of the local stack gets: where its files live and how to reach the others. */
export interface StackContext {
  /** The state directory (data, logs, pid files, generated configs). */
  state: string;
  /** Build caches shared by every clone (collector binary, ...). */
  cache: string;
  /** Repository root (configs, rules, dashboards). */
  repo: string;
  /** Progress line for the user. */
  log(message: string): void;
}

/**
 * One daemon of the local stack. Adding a daemon = one file in services/ plus one line in services/index.ts.
 * `up` calls, in order: install (every service's at once, beside the Debian installs, before anything starts),
 * then per service: prepare, start, ready.
 */
export interface Service {
  name: string;
  /** Debian packages whose absence `up` fixes with apt-get before starting anything. */
  debianPackages: string[];
  /** 127.0.0.1 ports it listens on (checked free before start; shown in the port plan). */
  ports: number[];
  /**
   * Build or install anything not from Debian (e.g. the collector binary). Runs before any daemon starts, at the
   * same time as the other services' installs: a long build runs as a child process, not on this thread.
   */
  install?(ctx: StackContext): Promise<void>;
  /** Check configuration before anything starts; throw an Error naming the problem. */
  validate?(ctx: StackContext): Promise<void>;
  /** Create directories, generated config files, first-time initialisation (idempotent). */
  prepare(ctx: StackContext): Promise<void>;
  /** Start the daemon in the background. */
  start(ctx: StackContext): Promise<void>;
  /** True once it answers. */
  ready(ctx: StackContext): Promise<boolean>;
  /** When already running: apply regenerated config (e.g. new rule files) without a restart. */
  reload?(ctx: StackContext): Promise<void>;
  /** Post-start set-up (create databases, ...), idempotent. */
  initialise?(ctx: StackContext): Promise<void>;
  /** True when this stack's instance is running (not just anything on its port). */
  running(ctx: StackContext): boolean;
  stop(ctx: StackContext): Promise<void>;
  logFile(ctx: StackContext): string;
  /** Keys this service contributes to endpoints.json. */
  endpoints(ctx: StackContext): Record<string, string>;
  /** How long `up` waits for ready(). @default 60_000 */
  readyTimeoutMs?: number;
}

export const pidFileOf = (ctx: StackContext, name: string): string => join(ctx.state, 'run', `${name}.pid`);
export const logFileOf = (ctx: StackContext, name: string): string => join(ctx.state, 'logs', `${name}.log`);
export const runningByPid = (ctx: StackContext, name: string): boolean => isAlive(readPid(pidFileOf(ctx, name)));
