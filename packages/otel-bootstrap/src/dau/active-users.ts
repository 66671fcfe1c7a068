// Daily / weekly / monthly active users. A user identity (a header, the claim of a bearer JWT decoded without
// verification, or a hook) is hashed with a salt and added to a HyperLogLog for the current UTC day. Raw identities
// are never exported: only the sketch counts leave the process (or, with Redis, the salted hashes go to PFADD so
// several replicas count each user once).
import type { IncomingMessage } from 'node:http';
import { describe, error, warnOnce } from '../log.ts';
import { HyperLogLog } from './hll.ts';
import { RedisClient } from './redis.ts';

const { createHash } = process.getBuiltinModule('node:crypto');

/** Returns the user identity of a request, or undefined for anonymous requests. */
export type UserIdentityHook = (req: IncomingMessage) => string | undefined | null;

export type IdentitySource =
  | { kind: 'header'; header: string }
  | { kind: 'jwt'; claim: string }
  | { kind: 'hook'; hook: UserIdentityHook }
  | { kind: 'none' };

const DAY_MS = 86_400_000;
const WINDOWS = { day: 1, week: 7, month: 30 } as const;
export type Window = keyof typeof WINDOWS;
const SEEN_MAX = 10_000;
/** Up to this many distinct users a day are kept as exact 64-bit hashes (like HLL++'s sparse mode). */
const EXACT_MAX = 4096;

interface Day {
  /** Exact set of hashes (hex) while small; undefined once it outgrew EXACT_MAX. */
  exact: Set<string> | undefined;
  hll: HyperLogLog;
}
const REDIS_BATCH = 500;
const REDIS_TTL_SECONDS = 40 * 86_400;

// The shared store keeps, per day, a HyperLogLog (PFADD) and, while the day is small, the exact set of hashes (SADD),
// like the local count. Redis's HyperLogLog is an estimate even for a few users: with about 6% of salts, PFCOUNT of
// 50 distinct users answers 49 or 48 (two hashes land in one register), which every replica then reports. So a window
// is counted from the exact sets while their sizes sum to at most EXACT_MAX, from PFCOUNT above that.
// Each script is one atomic round trip; both are idempotent, so a command retried after a lost connection is harmless.
/** KEYS: the day's HyperLogLog, the day's exact set. ARGV: EXACT_MAX, TTL seconds, hashes... */
const ADD_SCRIPT = `redis.call('PFADD', KEYS[1], unpack(ARGV, 3))
if redis.call('SCARD', KEYS[2]) <= tonumber(ARGV[1]) then redis.call('SADD', KEYS[2], unpack(ARGV, 3)) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;
/** KEYS: n HyperLogLogs, then the n exact sets of the same days. ARGV: EXACT_MAX. */
const COUNT_SCRIPT = `local n = #KEYS / 2
local total = 0
for i = n + 1, 2 * n do total = total + redis.call('SCARD', KEYS[i]) end
if total > tonumber(ARGV[1]) then return redis.call('PFCOUNT', unpack(KEYS, 1, n)) end
if n == 1 then return total end
return #redis.call('SUNION', unpack(KEYS, n + 1, 2 * n))`;

export function utcDay(ms = Date.now()): number {
  return Math.floor(ms / DAY_MS);
}

function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The claim of a `Bearer <jwt>` header value, decoded without verification. */
export function jwtClaim(authorization: string, claim: string): string | undefined {
  if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = authorization.slice(7).trim();
  const a = token.indexOf('.');
  const b = token.indexOf('.', a + 1);
  if (a < 0 || b < 0) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const v = payload?.[claim];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  } catch {
    return undefined;
  }
}

export interface DauOptions {
  source: IdentitySource;
  salt: string;
  serviceName: string;
  redisUrl?: string | undefined;
  redisKeyPrefix?: string;
  /** How long a Redis command may wait for its reply (tests shorten it). */
  redisTimeoutMillis?: number;
}

export class DailyActiveUsers {
  source: IdentitySource;
  private readonly salt: string;
  private readonly days = new Map<number, Day>();
  /** Recently seen raw keys (header values / tokens) -> the UTC day they were added: skips re-hashing. */
  private readonly seen = new Map<string, number>();
  private readonly redis: RedisClient | undefined;
  private readonly redisKey: (day: number) => string;
  private readonly pending = new Map<number, Set<string>>();
  private flushing: Promise<void> | undefined;
  /** The current UTC day, advanced by a timer at midnight: no clock read per request. */
  private today = utcDay();
  private rollover: NodeJS.Timeout | undefined;

  constructor(opts: DauOptions) {
    this.scheduleRollover();
    this.source = opts.source;
    this.salt = opts.salt;
    const prefix = `${opts.redisKeyPrefix ?? 'foursignals:dau:'}${opts.serviceName}:`;
    this.redisKey = (day) => prefix + dayString(day);
    if (opts.redisUrl !== undefined) {
      try {
        this.redis = new RedisClient(opts.redisUrl, { timeoutMillis: opts.redisTimeoutMillis });
      } catch (err) {
        warnOnce('dau:redis-url', `FOURSIGNALS_DAU_REDIS_URL ignored: ${describe(err)}; counting in this process only`);
      }
    }
  }

  /** Called for every finished HTTP request. Never throws. */
  observe(req: IncomingMessage, status: number): void {
    if (status === 401 || status === 403) return;
    const src = this.source;
    let key: string | undefined;
    if (src.kind === 'header') {
      const v = req.headers[src.header];
      key = Array.isArray(v) ? v[0] : v;
    } else if (src.kind === 'jwt') {
      key = req.headers.authorization;
    } else if (src.kind === 'hook') {
      try {
        const v = src.hook(req);
        key = v === null || v === undefined ? undefined : String(v);
      } catch (err) {
        error('dau:hook', `the DAU identity hook threw (${describe(err)}); the request is not counted`);
        return;
      }
    } else return;
    if (key === undefined || key === '') return;
    const day = this.today;
    // Bearer tokens can be long: remember them by their tail (the signature), to bound the cache's memory.
    const seenKey = key.length > 96 ? key.slice(-64) : key;
    if (this.seen.get(seenKey) === day) return;
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.set(seenKey, day);
    const identity = src.kind === 'jwt' ? jwtClaim(key, src.claim) : key;
    if (identity === undefined || identity === '') return;
    this.add(identity, day);
  }

  private scheduleRollover(): void {
    clearTimeout(this.rollover);
    const now = Date.now();
    this.today = utcDay(now);
    const next = (this.today + 1) * DAY_MS - now + 10;
    this.rollover = setTimeout(() => this.scheduleRollover(), next);
    this.rollover.unref();
  }

  /** Adds one identity for a UTC day (exposed for tests and the programmatic API). */
  add(identity: string, day = utcDay()): void {
    const h = createHash('sha256').update(this.salt).update('\n').update(identity).digest();
    let entry = this.days.get(day);
    if (entry === undefined) {
      entry = { exact: new Set(), hll: new HyperLogLog() };
      this.days.set(day, entry);
      for (const d of this.days.keys()) if (d <= day - WINDOWS.month) this.days.delete(d);
    }
    entry.hll.add(h.readUInt32BE(0), h.readUInt32BE(4));
    if (entry.exact !== undefined) {
      entry.exact.add(h.toString('hex', 0, 8));
      if (entry.exact.size > EXACT_MAX) entry.exact = undefined;
    }
    if (this.redis !== undefined) {
      let set = this.pending.get(day);
      if (set === undefined) {
        set = new Set();
        this.pending.set(day, set);
      }
      set.add(h.toString('hex', 0, 8));
      // Errors are reported (and the hashes retried) by the next export's counts(); never an unhandled rejection.
      if (set.size >= REDIS_BATCH) this.flush().catch(() => {});
    }
  }

  private localCount(window: Window, today: number): number {
    const n = WINDOWS[window];
    const days: Day[] = [];
    for (let d = today - n + 1; d <= today; d++) {
      const e = this.days.get(d);
      if (e) days.push(e);
    }
    if (days.every((e) => e.exact !== undefined)) {
      if (days.length === 1) return days[0]!.exact!.size;
      const union = new Set<string>();
      for (const e of days) for (const h of e.exact!) union.add(h);
      return union.size;
    }
    const union = new HyperLogLog();
    for (const e of days) union.merge(e.hll);
    return union.count();
  }

  /** Sends buffered hashes to Redis. */
  flush(): Promise<void> {
    if (this.redis === undefined) return Promise.resolve();
    this.flushing ??= this.doFlush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    const redis = this.redis!;
    for (const [day, set] of [...this.pending]) {
      this.pending.delete(day);
      const all = [...set];
      const key = this.redisKey(day);
      try {
        for (let i = 0; i < all.length; i += REDIS_BATCH) {
          const batch = all.slice(i, i + REDIS_BATCH);
          await redis.command([
            'EVAL',
            ADD_SCRIPT,
            '2',
            key,
            `${key}:exact`,
            String(EXACT_MAX),
            String(REDIS_TTL_SECONDS),
            ...batch,
          ]);
        }
      } catch (err) {
        // Keep them for the next attempt (bounded: the local sketch stays exact enough meanwhile).
        const back = this.pending.get(day) ?? new Set<string>();
        if (back.size < 100_000) for (const h of all) back.add(h);
        this.pending.set(day, back);
        throw err;
      }
    }
  }

  /** Active users per window; from Redis (shared across replicas) when configured and reachable. */
  async counts(): Promise<Record<Window, number>> {
    const today = utcDay();
    if (today !== this.today) this.scheduleRollover();
    if (this.redis !== undefined) {
      try {
        // A flush already under way (started by add()) may not hold the latest hashes: flush until none wait.
        for (let i = 0; i < 3 && (this.flushing !== undefined || this.pending.size > 0); i++) await this.flush();
        const out = {} as Record<Window, number>;
        for (const w of Object.keys(WINDOWS) as Window[]) {
          const keys: string[] = [];
          for (let d = today - WINDOWS[w] + 1; d <= today; d++) keys.push(this.redisKey(d));
          const sets = keys.map((k) => `${k}:exact`);
          const r = await this.redis.command([
            'EVAL',
            COUNT_SCRIPT,
            String(keys.length * 2),
            ...keys,
            ...sets,
            String(EXACT_MAX),
          ]);
          out[w] = typeof r === 'number' ? r : Number(r);
        }
        return out;
      } catch (err) {
        error('dau:redis', `Redis unavailable for DAU (${describe(err)}); reporting this process's own count`);
      }
    }
    return {
      day: this.localCount('day', today),
      week: this.localCount('week', today),
      month: this.localCount('month', today),
    };
  }

  close(): void {
    clearTimeout(this.rollover);
    this.redis?.close();
  }
}
