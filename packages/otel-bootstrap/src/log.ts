// The one place the bootstrap talks to the host's stderr. Everything is rate-limited per key: a collector that is down
// for an hour produces a handful of lines, not one per export.

const PREFIX = '[otel-bootstrap]';
const REPEAT_MS = 5 * 60_000;
const last = new Map<string, number>();

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<LogLevel, number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4 };
let level: number = ORDER.warn;

export function setLogLevel(l: LogLevel): void {
  level = ORDER[l];
}

function write(l: LogLevel, key: string, message: string, once: boolean): void {
  if (ORDER[l] > level) return;
  const now = Date.now();
  const prev = last.get(key);
  if (prev !== undefined && (once || now - prev < REPEAT_MS)) return;
  if (last.size > 1000) last.clear();
  last.set(key, now);
  try {
    process.stderr.write(`${PREFIX} ${l}: ${message}\n`);
  } catch {
    // stderr closed: nothing else to do
  }
}

/** Logs a message at most once per process for its key. */
export function warnOnce(key: string, message: string): void {
  write('warn', key, message, true);
}

/** Logs an error at most once every five minutes for its key. */
export function error(key: string, message: string): void {
  write('error', key, message, false);
}

export function info(message: string): void {
  write('info', message, message, false);
}

export function debug(message: string): void {
  write('debug', `debug:${message}`, message, false);
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
