import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The fault switches. Each one moves one signal; the file is shared by every demo process. */
export interface Faults {
  /** The MES worker stops consuming: orders in flight grow, then expire (dead letters, reason expired). */
  workerStop: boolean;
  /** A share of database statements first sleep: DB duration and API latency climb. */
  slowQueries: boolean;
  /** A share of S3 calls go to a missing key or with bad credentials: S3 errors (404, 403) climb. */
  s3Errors: boolean;
  /** The load generator sends orders the worker rejects: dead letters, reason rejected. */
  poison: boolean;
  /** The Shop and CRM APIs open connections they never close (idle in transaction): connections climb. */
  connectionLeak: boolean;
  /** The load generator floods the MES API with orders: the bounded queue overflows (reason maxlen). */
  orderFlood: boolean;
}

export const FAULT_NAMES = {
  'worker-stop': 'workerStop',
  'slow-queries': 'slowQueries',
  's3-errors': 's3Errors',
  poison: 'poison',
  'connection-leak': 'connectionLeak',
  'order-flood': 'orderFlood',
} as const satisfies Record<string, keyof Faults>;

export type FaultName = keyof typeof FAULT_NAMES;

export function noFaults(): Faults {
  return {
    workerStop: false,
    slowQueries: false,
    s3Errors: false,
    poison: false,
    connectionLeak: false,
    orderFlood: false,
  };
}

export function readFaults(file: string): Faults {
  const faults = noFaults();
  if (!file) return faults;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const key of Object.keys(faults) as (keyof Faults)[]) faults[key] = raw[key] === true;
  } catch {
    // no file yet: no faults
  }
  return faults;
}

export function writeFaults(file: string, faults: Faults): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(faults, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Polls the faults file; `current` is always the latest state. `onChange` runs after a switch flips. */
export class FaultWatcher {
  current: Faults;
  readonly #file: string;
  readonly #timer: NodeJS.Timeout;
  readonly #onChange: ((f: Faults) => void) | undefined;

  constructor(file: string, onChange?: (f: Faults) => void, intervalMs = 1000) {
    this.#file = file;
    this.#onChange = onChange;
    this.current = readFaults(file);
    this.#timer = setInterval(() => this.poll(), intervalMs);
    this.#timer.unref();
  }

  poll(): void {
    const next = readFaults(this.#file);
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    if (changed) this.#onChange?.(next);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
