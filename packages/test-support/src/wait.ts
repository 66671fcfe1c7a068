import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until `done` accepts its value and returns that value; after `timeoutMs` fails with the last value
 * (or error) seen. A probe that throws (a server restarting on a shared stack) is retried until the deadline.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      lastErr = undefined;
      if (done(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    await sleep(500);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}; last value: ${JSON.stringify(last)} ${lastErr ?? ''}`,
  );
}
