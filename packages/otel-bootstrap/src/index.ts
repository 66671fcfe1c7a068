// The public API, for apps that want more than the zero-code `register` entry. Importing it does not start
// anything; `start()` (or the register entry) does.
import type { IncomingMessage } from 'node:http';
import type { UserIdentityHook } from './dau/active-users.ts';
import { enableDau, finalFlush, flush, start as startBootstrap } from './start.ts';
import { currentState } from './state.ts';

export type { UserIdentityHook } from './dau/active-users.ts';
export type { MetricDef } from './metrics.ts';
export { METRICS } from './metrics.ts';

/** Starts the bootstrap (idempotent; the register entry calls it). Configuration comes from the environment. */
export function start(): void {
  startBootstrap();
}

/**
 * Counts daily active users with this function's return value as the user identity (overrides
 * FOURSIGNALS_DAU_IDENTITY). Return undefined for anonymous requests. A throwing hook only loses that request's
 * count. Starts the bootstrap if it is not running.
 */
export function setUserIdentityHook(hook: (req: IncomingMessage) => string | undefined | null): void {
  const state = startBootstrap();
  if (state) enableDau(state, { kind: 'hook', hook: hook as UserIdentityHook });
}

/** Exports everything recorded so far. Resolves even when the export fails (the failure is logged). */
export async function forceFlush(): Promise<void> {
  const s = currentState();
  if (s) await flush(s);
}

/** Exports a last time and stops exporting. */
export async function shutdown(): Promise<void> {
  const s = currentState();
  if (s) await finalFlush(s);
}
