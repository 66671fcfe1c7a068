// Client fixtures and golden files, as collector-contrib's scrapers have them (testdata/*.json, metrics_golden):
// a receiver's client seam is recorded once against the real server (by the receiver's
// scripts/record-fixtures.ts, on the local stack), replayed in unit tests with no server, and what the scraper makes
// of it is compared with a golden file that `npm run goldens` rewrites (FOURSIGNALS_UPDATE_GOLDEN=1).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** An error as the client threw it: what the scraper looks at (SQLSTATE code, HTTP status, AWS name). */
export interface RecordedError {
  name: string;
  message: string;
  code?: string;
  status?: number;
  httpStatusCode?: number;
}

/** One call of a client method: its arguments (functions and signals left out), what it returned or threw. */
export interface RecordedCall {
  method: string;
  args: unknown[];
  /** The arguments of each call the method made to its callback argument (a streamed body's chunks). */
  callbacks?: unknown[][];
  result?: unknown;
  error?: RecordedError;
}

const isSignal = (v: unknown): boolean => v instanceof AbortSignal;

function recordedArgs(args: unknown[]): unknown[] {
  return args.filter((a) => typeof a !== 'function' && !isSignal(a));
}

function recordedError(err: unknown): RecordedError {
  const e = err as Error & { code?: unknown; status?: unknown; $metadata?: { httpStatusCode?: number } };
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(e.$metadata?.httpStatusCode !== undefined ? { httpStatusCode: e.$metadata.httpStatusCode } : {}),
  };
}

function thrownError(r: RecordedError): Error {
  const e = Object.assign(new Error(r.message), { name: r.name });
  if (r.code !== undefined) Object.assign(e, { code: r.code });
  if (r.status !== undefined) Object.assign(e, { status: r.status });
  if (r.httpStatusCode !== undefined) Object.assign(e, { $metadata: { httpStatusCode: r.httpStatusCode } });
  return e;
}

/** Wraps a client: every call of an async method is passed through and appended to `calls`. */
export function recording<T extends object>(client: T, calls: RecordedCall[]): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        const call: RecordedCall = { method: prop, args: recordedArgs(args) };
        const wrapped = args.map((a) =>
          typeof a === 'function'
            ? (...cbArgs: unknown[]) => {
                call.callbacks ??= [];
                call.callbacks.push(cbArgs);
                return (a as (...x: unknown[]) => unknown)(...cbArgs);
              }
            : a,
        );
        calls.push(call);
        try {
          call.result = await (value as (...x: unknown[]) => unknown).apply(target, wrapped);
          return call.result;
        } catch (err) {
          call.error = recordedError(err);
          throw err;
        }
      };
    },
  });
}

/**
 * A client that answers from recorded calls: each call gets the first unused recorded call of the same method with
 * the same arguments (so concurrent calls may come in another order than they were recorded). A call the recording
 * does not have fails the test with what was recorded.
 */
export function replaying<T extends object>(calls: readonly RecordedCall[]): T {
  const unused = [...calls];
  return new Proxy({} as T, {
    get(_target, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return async (...args: unknown[]) => {
        // Compared as JSON, as they were stored (an undefined argument was stored as null).
        const given = JSON.stringify(recordedArgs(args));
        const i = unused.findIndex((c) => c.method === prop && JSON.stringify(c.args) === given);
        if (i < 0) {
          const left = unused.filter((c) => c.method === prop).map((c) => JSON.stringify(c.args));
          throw new Error(
            `fixture: no recorded call ${prop}(${given}); unused calls of ${prop}: ${left.join(' ') || 'none'}`,
          );
        }
        const [call] = unused.splice(i, 1) as [RecordedCall];
        const callback = args.find((a) => typeof a === 'function') as ((...x: unknown[]) => void) | undefined;
        for (const cbArgs of call.callbacks ?? []) callback?.(...cbArgs);
        if (call.error) throw thrownError(call.error);
        return call.result;
      };
    },
  });
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** True when goldens are being rewritten (`npm run goldens`), not checked. */
export const updatingGoldens = (): boolean => process.env.FOURSIGNALS_UPDATE_GOLDEN === '1';

/** JSON with one observation (an object with a `metric`) per line, so a golden file's diff reads point by point. */
function goldenText(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + goldenText(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object' && !('metric' in value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${goldenText(v, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** Compares `actual` with the golden file, or rewrites the file under `npm run goldens`. */
export function assertGolden(file: string, actual: unknown): void {
  const normalised = JSON.parse(JSON.stringify(actual)) as unknown;
  if (updatingGoldens()) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${goldenText(normalised)}\n`);
    return;
  }
  let expected: unknown;
  try {
    expected = readJson(file);
  } catch {
    throw new Error(`no golden file ${file}: run \`npm run goldens\` to write it`);
  }
  assert.deepEqual(normalised, expected, `differs from ${file} (if the change is intended: npm run goldens)`);
}

/** A receiver as the golden tests drive it (structural, so this package needs no receiver dependency). */
export interface GoldenScraper {
  scrape(ctx: { signal: AbortSignal; warn: (message: string) => void }): Promise<readonly { metric: string }[]>;
  shutdown(): Promise<void> | void;
}

/**
 * Runs `times` scrapes on recorded client answers, checks that every observation names a declared metric, shuts
 * the receiver down, and returns each scrape's warnings and observations for assertGolden. `beforeScrape` sets
 * what a scrape depends on (e.g. the mocked clock).
 */
export async function scrapeRecorded(
  receiver: GoldenScraper,
  times: number,
  metricNames: ReadonlySet<string>,
  beforeScrape: (index: number) => void = () => {},
): Promise<{ warnings: string[]; observations: unknown[] }[]> {
  const scrapes: { warnings: string[]; observations: unknown[] }[] = [];
  for (let i = 0; i < times; i++) {
    beforeScrape(i);
    const warnings: string[] = [];
    const observations = await receiver.scrape({ signal: new AbortController().signal, warn: (m) => warnings.push(m) });
    for (const o of observations) assert.ok(metricNames.has(o.metric), `${o.metric} is not in the metric table`);
    scrapes.push({ warnings, observations: structuredClone([...observations]) });
  }
  await receiver.shutdown();
  return scrapes;
}
