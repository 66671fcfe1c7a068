// Dead letters by reason and queue. RabbitMQ 3.10 counts dead letters per node only; the queue and the reason of
// each one live in the message's `x-death` header. The receiver never touches the company's dead-letter queues:
// it owns one bounded tap queue per dead-letter exchange (DLX), bound exactly as the real DLQs are bound, so every
// message a DLX routes to a real DLQ is also routed, once, to the tap. The tap is consumed here and each message
// is counted by its first `x-death` entry (the latest death: queue and reason), then acknowledged.
//
// Exactly-once counting across broker restarts and network cuts: the tap is a durable classic queue (recovered
// before the broker opens its listeners, so a dead letter routed right after a restart still reaches it; dead
// letters of persistent messages survive a restart inside it), a message is counted before its ack, and a message
// the broker delivers again (`redelivered`: its ack was lost with the connection) is recognised by its fingerprint
// and not counted twice.
import { createHash } from 'node:crypto';
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib';
import type { Selection } from './config.ts';
import { httpGet } from './http.ts';
import type { DeadLetterReason } from './metrics.ts';
import { DEAD_LETTER_REASONS } from './metrics.ts';

export interface TapOptions {
  instance: string;
  amqpUrl: string;
  username: string;
  password: string;
  managementUrl: string;
  auth: string;
  selection: Selection;
  prefix: string;
  maxLength: number;
  messageTtl: number;
  expires: number;
  queueType: 'quorum' | 'classic';
  discoveryIntervalMs: number;
  /** How long a vhost's list of dead-letter exchanges (from listing its queues) is reused. */
  listingIntervalMs: number;
  /** At most this many queues get zero-valued dead-letter series before their first dead letter. */
  maxSeeds: number;
  /** Fixed dead-letter exchanges: no queue listing at all. */
  exchanges?: { vhost: string; exchange: string }[] | undefined;
  warn(message: string): void;
}

interface BindingSpec {
  routingKey: string;
  arguments: Record<string, unknown>;
}

interface DlxPlan {
  exchange: string;
  bindings: BindingSpec[];
  /** Real dead-letter queues bound to this exchange. */
  dlqs: string[];
}

export interface DeadLetterCount {
  vhost: string;
  queue: string;
  reason: DeadLetterReason;
  value: number;
}

const REMEMBERED = 10_000;
/** A classic queue has no delivery limit. */
const CLASSIC_REASONS = DEAD_LETTER_REASONS.filter((r) => r !== 'delivery_limit');

interface SeedSource {
  queue: string;
  quorum: boolean;
}
/** A selected queue and its dead-letter exchange (argument or policy), if any. */
type ListedQueue = SeedSource & { dlx: string | undefined };
/** More new queues than this in one vhost and scrape: re-list the vhost rather than look them up by name. */
const MAX_LOOKUPS = 20;

interface QueueInfo {
  name: string;
  type?: string;
  arguments?: Record<string, unknown>;
  policy?: string;
}

/** A queue's dead-letter exchange: its argument, else its policy's (operator policies cannot set one). */
function dlxOf(vhost: string, q: QueueInfo, policyDlx: unknown, warn: (m: string) => void): string | undefined {
  const dlx = q.arguments?.['x-dead-letter-exchange'] ?? policyDlx;
  if (typeof dlx !== 'string') return undefined;
  if (dlx === '') {
    warn(`queue ${vhost}/${q.name} dead-letters to the default exchange, which cannot be tapped`);
    return undefined;
  }
  return dlx;
}
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

const enc = encodeURIComponent;

function bindingKey(b: BindingSpec): string {
  return `${b.routingKey}\u0000${JSON.stringify(Object.entries(b.arguments).sort(([a], [c]) => (a < c ? -1 : 1)))}`;
}

/** Name of the receiver's tap queue for one DLX; unique per receiver instance so two instances never share one. */
export function tapQueueName(prefix: string, instance: string, exchange: string): string {
  return `${prefix}.${instance.replace(/[^A-Za-z0-9_-]/g, '_')}.${exchange}`;
}

/** All the taps of one receiver instance: discovery over HTTP, one AMQP connection per vhost. */
export class DeadLetterTaps {
  readonly #o: TapOptions;
  readonly #vhosts = new Map<string, VhostTap>();
  readonly #counts = new Map<string, DeadLetterCount>();
  /** vhost -> DLQ name -> DLX name */
  #dlqs = new Map<string, Map<string, string>>();
  #timer: NodeJS.Timeout | undefined;
  #discovering: Promise<void> | undefined;
  #closed = false;

  constructor(options: TapOptions) {
    this.#o = options;
  }

  start(): void {
    const loop = () => {
      if (this.#closed) return;
      this.discover()
        .catch((err: unknown) => this.#o.warn(`dead-letter discovery failed: ${(err as Error).message}`))
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(loop, this.#o.discoveryIntervalMs).unref();
        });
    };
    loop();
  }

  /** Finds the DLXs of the selected queues and their bindings, and brings every vhost's taps in line. */
  discover(): Promise<void> {
    this.#discovering ??= this.#discover().finally(() => {
      this.#discovering = undefined;
    });
    return this.#discovering;
  }

  async #discover(): Promise<void> {
    const { managementUrl: base, auth, selection } = this.#o;
    const vhosts = (JSON.parse(await httpGet(`${base}/api/vhosts?columns=name`, auth)) as { name: string }[])
      .map((v) => v.name)
      .filter((v) => selection.vhostMayMatch(v))
      .filter((v) => !this.#o.exchanges || this.#o.exchanges.some((e) => e.vhost === v));
    const dlqs = new Map<string, Map<string, string>>();
    const plans = new Map<string, DlxPlan[] | undefined>();
    for (const vhost of vhosts) {
      let vplans: DlxPlan[];
      try {
        vplans = await this.#planVhost(vhost);
      } catch (err) {
        // One vhost failing never drops the others; its taps keep running on the last plan.
        this.#o.warn(`dead-letter discovery in vhost ${vhost}: ${(err as Error).message}`);
        const keep = this.#dlqs.get(vhost);
        if (keep) dlqs.set(vhost, new Map(keep));
        plans.set(vhost, undefined);
        continue;
      }
      plans.set(vhost, vplans);
      const m = new Map<string, string>();
      for (const p of vplans) for (const q of p.dlqs) m.set(q, p.exchange);
      dlqs.set(vhost, m);
    }
    this.#dlqs = dlqs;
    for (const [vhost, vplans] of plans) {
      if (vplans === undefined) continue;
      let tap = this.#vhosts.get(vhost);
      if (!tap && vplans.length === 0) continue;
      if (!tap) {
        tap = new VhostTap(vhost, this.#o, (q, r) => this.#count(vhost, q, r));
        this.#vhosts.set(vhost, tap);
      }
      await tap.setPlan(vplans);
    }
    for (const [vhost, tap] of this.#vhosts) {
      if (!plans.has(vhost)) {
        // The vhost is gone (or no longer selected): its taps went with it, or are left to expire.
        this.#vhosts.delete(vhost);
        await tap.close();
      }
    }
  }

  /** vhost -> the dead-letter exchanges its selected queues use, the queues listed, and when that was listed */
  readonly #listed = new Map<
    string,
    { at: number; seq: number; names: Set<string>; exchanges: Set<string>; sources: SeedSource[] }
  >();
  /**
   * Queues a scrape saw before their vhost's listing did, looked up by name: vhost -> queue -> its DLX. Kept until
   * a listing that started after they were noticed covers them.
   */
  readonly #found = new Map<string, Map<string, ListedQueue & { seq: number }>>();
  /** vhost -> notice sequence number from which its listing is stale (too many new queues to look up one by one) */
  readonly #stale = new Map<string, number>();
  #seq = 0;

  /**
   * Queues that first appeared in a scrape: finds their dead-letter exchanges at once (rather than on the next
   * queue listing, minutes away) and brings the taps in line (a new DLX, or a new DLQ's binding) before the next
   * collection interval. A few new queues are looked up by name; more than MAX_LOOKUPS re-list their vhost.
   */
  async notice(fresh: ReadonlyMap<string, readonly string[]>): Promise<void> {
    if (this.#o.exchanges || this.#closed || fresh.size === 0) return;
    // A listing in flight may already cover them.
    await this.#discovering?.catch(() => {});
    const { prefix } = this.#o;
    let changed = false;
    for (const [vhost, names] of fresh) {
      const listed = this.#listed.get(vhost);
      const found = this.#found.get(vhost) ?? new Map<string, ListedQueue & { seq: number }>();
      const unknown = names.filter((n) => !n.startsWith(`${prefix}.`) && !listed?.names.has(n) && !found.has(n));
      if (unknown.length === 0) continue;
      if (!listed || unknown.length > MAX_LOOKUPS) {
        this.#stale.set(vhost, ++this.#seq);
        changed = true;
        continue;
      }
      const before = new Set(this.#exchangesKnown(vhost));
      let queues: ListedQueue[];
      try {
        queues = await this.#queuesOf(vhost, unknown);
      } catch {
        // The broker is away: the next listing settles it.
        this.#stale.set(vhost, ++this.#seq);
        continue;
      }
      for (const q of queues) found.set(q.queue, { ...q, seq: ++this.#seq });
      this.#found.set(vhost, found);
      // A new DLX to tap, or a new queue in a vhost with taps (it may be a DLQ whose binding the taps must mirror).
      if (before.size > 0 || [...this.#exchangesKnown(vhost)].some((e) => !before.has(e))) changed = true;
    }
    if (!changed) return;
    // After the discovery in flight (whose plan may predate these queues), a fresh one.
    await this.#discovering?.catch(() => {});
    await this.discover();
  }

  /** The DLXs of a vhost as known now: its last listing plus the queues noticed since. */
  #exchangesKnown(vhost: string): Set<string> {
    const out = new Set(this.#listed.get(vhost)?.exchanges);
    for (const f of this.#found.get(vhost)?.values() ?? []) if (f.dlx) out.add(f.dlx);
    return out;
  }

  /**
   * The DLXs of a vhost: configured, or from listing its queues (the one costly call of discovery: ~1 s and a
   * transient memory bump on the broker at 10,000 queues), reused for `listingIntervalMs`.
   */
  async #exchangesOf(vhost: string): Promise<Set<string>> {
    if (this.#o.exchanges) {
      return new Set(this.#o.exchanges.filter((e) => e.vhost === vhost).map((e) => e.exchange));
    }
    const cached = this.#listed.get(vhost);
    if (cached && Date.now() - cached.at < this.#o.listingIntervalMs && cached.seq >= (this.#stale.get(vhost) ?? 0)) {
      return this.#exchangesKnown(vhost);
    }
    const seq = this.#seq;
    // disable_stats makes this listing cheap: names, arguments and policy names only.
    const queues = await this.#queuesOf(vhost);
    const exchanges = new Set<string>();
    const sources: SeedSource[] = [];
    const names = new Set<string>();
    for (const q of queues) {
      names.add(q.queue);
      if (q.dlx === undefined) continue;
      exchanges.add(q.dlx);
      sources.push({ queue: q.queue, quorum: q.quorum });
    }
    this.#listed.set(vhost, { at: Date.now(), seq, names, exchanges, sources });
    // Queues noticed before this listing started are in it now.
    const found = this.#found.get(vhost);
    for (const [queue, f] of found ?? []) if (f.seq <= seq) found?.delete(queue);
    if (found?.size === 0) this.#found.delete(vhost);
    return this.#exchangesKnown(vhost);
  }

  /**
   * The selected queues of a vhost (or only those named) with their dead-letter exchanges: from the queue list with
   * disable_stats (names, arguments and policy names only) and the vhost's policies. A single queue's own endpoint
   * is no use here: until the queue's first stats emission (5 s) it shows no policy.
   */
  async #queuesOf(vhost: string, only?: readonly string[]): Promise<ListedQueue[]> {
    const { managementUrl: base, auth, selection, prefix, warn } = this.#o;
    const policies = JSON.parse(await httpGet(`${base}/api/policies/${enc(vhost)}`, auth)) as {
      name: string;
      definition: Record<string, unknown>;
    }[];
    const policyDlx = new Map(policies.map((p) => [p.name, p.definition['dead-letter-exchange']]));
    const params = new URLSearchParams({
      disable_stats: 'true',
      enable_queue_totals: 'true',
      columns: 'name,type,arguments,policy',
    });
    if (only) {
      // The API filters by name only on a paged request.
      params.set('page', '1');
      params.set('page_size', String(Math.max(only.length, 1)));
      params.set('use_regex', 'true');
      params.set('name', `^(${only.map((n) => n.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|')})$`);
    }
    const body = JSON.parse(await httpGet(`${base}/api/queues/${enc(vhost)}?${params}`, auth)) as
      | QueueInfo[]
      | { items: QueueInfo[] };
    const out: ListedQueue[] = [];
    for (const q of Array.isArray(body) ? body : body.items) {
      if (q.name.startsWith(`${prefix}.`) || !selection.matches(vhost, q.name)) continue;
      const dlx = dlxOf(vhost, q, q.policy ? policyDlx.get(q.policy) : undefined, warn);
      out.push({ queue: q.name, quorum: q.type === 'quorum', dlx });
    }
    return out;
  }

  async #planVhost(vhost: string): Promise<DlxPlan[]> {
    const { managementUrl: base, auth, prefix, warn } = this.#o;
    const exchanges = await this.#exchangesOf(vhost);
    const plans: DlxPlan[] = [];
    for (const exchange of [...exchanges].sort()) {
      let raw: string;
      try {
        raw = await httpGet(`${base}/api/exchanges/${enc(vhost)}/${enc(exchange)}/bindings/source`, auth);
      } catch (err) {
        warn(
          `dead-letter exchange ${vhost}/${exchange}: ${(err as Error).message} (the broker drops its dead letters)`,
        );
        continue;
      }
      const bindings = JSON.parse(raw) as {
        destination: string;
        destination_type: string;
        routing_key: string;
        arguments: Record<string, unknown>;
      }[];
      const specs = new Map<string, BindingSpec>();
      const dlqs: string[] = [];
      for (const b of bindings) {
        if (b.destination_type !== 'queue') {
          warn(`dead-letter exchange ${vhost}/${exchange} routes to exchange ${b.destination}: not mirrored`);
          continue;
        }
        if (b.destination.startsWith(`${prefix}.`)) continue;
        dlqs.push(b.destination);
        const spec = { routingKey: b.routing_key, arguments: b.arguments ?? {} };
        specs.set(bindingKey(spec), spec);
      }
      if (specs.size > 0) plans.push({ exchange, bindings: [...specs.values()], dlqs });
    }
    return plans;
  }

  #count(vhost: string, queue: string, reason: DeadLetterReason): void {
    if (!this.#o.selection.matches(vhost, queue)) return;
    const key = `${vhost}\u0000${queue}\u0000${reason}`;
    const c = this.#counts.get(key);
    if (c) c.value++;
    else this.#counts.set(key, { vhost, queue, reason, value: 1 });
  }

  /**
   * Every count so far, plus a 0 for each reason a listed dead-lettering queue can die of and has not yet (at most
   * `maxSeeds` queues): `increase()` in Prometheus cannot see the first dead letter of a series that starts at 1.
   */
  counts(): DeadLetterCount[] {
    const out = [...this.#counts.values()];
    let seeded = 0;
    for (const [vhost, listed] of this.#listed) {
      const found = [...(this.#found.get(vhost)?.values() ?? [])].filter((f) => f.dlx !== undefined);
      for (const src of [...listed.sources, ...found]) {
        if (seeded++ >= this.#o.maxSeeds) return out;
        for (const reason of src.quorum ? DEAD_LETTER_REASONS : CLASSIC_REASONS) {
          if (!this.#counts.has(`${vhost}\u0000${src.queue}\u0000${reason}`)) {
            out.push({ vhost, queue: src.queue, reason, value: 0 });
          }
        }
      }
    }
    return out;
  }

  /** Real dead-letter queues by vhost: queue -> DLX. */
  deadLetterQueues(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    return this.#dlqs;
  }

  connections(): { vhost: string; connected: boolean }[] {
    return [...this.#vhosts].map(([vhost, t]) => ({ vhost, connected: t.connected }));
  }

  /** Resolves when every vhost with a plan is connected and consuming all its taps (tests, benchmarks). */
  ready(): boolean {
    return [...this.#vhosts.values()].every((t) => t.ready);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#discovering?.catch(() => {});
    await Promise.all([...this.#vhosts.values()].map((t) => t.close()));
  }
}

/** One vhost: one AMQP connection, one channel, one tap queue per DLX. Reconnects with backoff. */
class VhostTap {
  readonly #vhost: string;
  readonly #o: TapOptions;
  readonly #count: (queue: string, reason: DeadLetterReason) => void;
  #plan: DlxPlan[] = [];
  #conn: ChannelModel | undefined;
  #ch: Channel | undefined;
  /** exchange -> consumer tag, for the taps being consumed on the current channel */
  #consuming = new Map<string, string>();
  #applied = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #lock: Promise<void> = Promise.resolve();
  readonly #redeliveries = new RedeliveryFilter();

  constructor(vhost: string, options: TapOptions, count: (queue: string, reason: DeadLetterReason) => void) {
    this.#vhost = vhost;
    this.#o = options;
    this.#count = count;
  }

  get connected(): boolean {
    return this.#ch !== undefined;
  }

  get ready(): boolean {
    return this.#ch !== undefined && this.#applied;
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#lock.then(fn, fn);
    this.#lock = next.catch(() => {});
    return next;
  }

  setPlan(plan: DlxPlan[]): Promise<void> {
    this.#plan = plan;
    this.#applied = false;
    return this.#serial(async () => {
      if (!this.#ch) await this.#connect();
      if (this.#ch) await this.#apply(this.#ch);
    }).catch((err: unknown) => this.#lost(err));
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const u = new URL(this.#o.amqpUrl);
    const conn = await connect(
      {
        protocol: u.protocol.replace(':', ''),
        hostname: u.hostname,
        port: u.port ? Number(u.port) : undefined,
        username: this.#o.username,
        password: this.#o.password,
        vhost: this.#vhost,
        heartbeat: 15,
        // Shown in the management UI's connection list.
        clientProperties: { connection_name: `foursignals receiver ${this.#o.instance} (dead-letter taps)` },
      } as Parameters<typeof connect>[0],
      { timeout: 10_000 },
    );
    conn.on('error', () => {});
    conn.on('close', () => {
      if (this.#conn === conn) this.#lost(new Error('connection closed'));
    });
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    ch.on('close', () => {
      if (this.#ch === ch) this.#lost(new Error('channel closed'));
    });
    await ch.prefetch(500);
    this.#conn = conn;
    this.#ch = ch;
    this.#consuming = new Map();
    this.#attempt = 0;
  }

  /** Declares, binds and consumes every tap of the plan; unbinds and deletes what the plan no longer has. */
  async #apply(ch: Channel): Promise<void> {
    const { prefix, instance } = this.#o;
    const wanted = new Set(this.#plan.map((p) => p.exchange));
    for (const p of this.#plan) {
      const tap = tapQueueName(prefix, instance, p.exchange);
      await ch.assertQueue(tap, {
        durable: true,
        arguments: {
          'x-queue-type': this.#o.queueType,
          'x-max-length': this.#o.maxLength,
          'x-overflow': 'drop-head',
          'x-message-ttl': this.#o.messageTtl,
          'x-expires': this.#o.expires,
        },
      });
      // Reconciled against the broker's bindings every time: a DLX deleted and re-created lost them.
      const bound = await this.#currentBindings(tap, p.exchange);
      const next = new Map<string, BindingSpec>();
      for (const b of p.bindings) {
        const key = bindingKey(b);
        if (!bound.has(key)) await ch.bindQueue(tap, p.exchange, b.routingKey, b.arguments);
        next.set(key, b);
      }
      for (const [key, b] of bound) {
        if (!next.has(key)) await ch.unbindQueue(tap, p.exchange, b.routingKey, b.arguments);
      }
      if (!this.#consuming.has(p.exchange)) {
        const { consumerTag } = await ch.consume(tap, (m) => this.#onMessage(ch, m), { noAck: false, exclusive: true });
        this.#consuming.set(p.exchange, consumerTag);
      }
    }
    for (const [exchange, tag] of this.#consuming) {
      if (wanted.has(exchange)) continue;
      await ch.cancel(tag);
      await ch.deleteQueue(tapQueueName(prefix, instance, exchange));
      this.#consuming.delete(exchange);
    }
    this.#applied = true;
  }

  /** The tap's bindings to `exchange` as the broker has them. */
  async #currentBindings(tap: string, exchange: string): Promise<Map<string, BindingSpec>> {
    const { managementUrl: base, auth } = this.#o;
    const list = JSON.parse(
      await httpGet(`${base}/api/bindings/${enc(this.#vhost)}/e/${enc(exchange)}/q/${enc(tap)}`, auth),
    ) as { routing_key: string; arguments?: Record<string, unknown> }[];
    return new Map(
      list.map((b) => {
        const spec = { routingKey: b.routing_key, arguments: b.arguments ?? {} };
        return [bindingKey(spec), spec];
      }),
    );
  }

  /** Counts, then acks on the channel that delivered it (a delivery tag means nothing on another channel). */
  #onMessage(ch: Channel, m: ConsumeMessage | null): void {
    if (m === null) {
      // The broker cancelled a consumer (tap deleted by someone): reconnect and re-apply the plan.
      this.#lost(new Error('tap consumer cancelled by the broker'));
      return;
    }
    if (this.#redeliveries.firstTime(m)) {
      const death = firstDeath(m);
      if (death) this.#count(death.queue, death.reason);
    }
    ch.ack(m);
  }

  #lost(err: unknown): void {
    const conn = this.#conn;
    const hadChannel = this.#ch !== undefined;
    this.#conn = undefined;
    this.#ch = undefined;
    this.#consuming = new Map();
    this.#applied = false;
    if (conn) void bounded(conn.close(), 2000);
    if (this.#closed || this.#retry) return;
    if (hadChannel || this.#attempt === 0) {
      this.#o.warn(`dead-letter taps of vhost ${this.#vhost}: ${(err as Error).message}; reconnecting`);
    }
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.#attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.setPlan(this.#plan);
    }, delay);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    // Neither a stuck broker call nor a close racing the broker's own close may hold up a shutdown.
    await bounded(this.#lock, 5000);
    const conn = this.#conn;
    this.#conn = undefined;
    this.#ch = undefined;
    if (conn) await bounded(conn.close(), 2000);
  }
}

/** Waits for `p` (errors ignored) at most `ms`. */
function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => {},
      () => {},
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface TapMessage {
  content: Buffer;
  fields: { redelivered: boolean; routingKey: string };
  properties: { headers?: Record<string, unknown> | undefined; messageId?: unknown; timestamp?: unknown };
}

/**
 * Remembers the fingerprints (body, headers with `x-death`, message id, timestamp, routing key) of the last
 * `capacity` messages counted, so that a message the broker delivers again after a lost ack (`redelivered`) is
 * not counted twice. A first delivery is always counted, even if an identical message was seen before.
 */
export class RedeliveryFilter {
  readonly #seen = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = REMEMBERED) {
    this.#capacity = capacity;
  }

  /** True when the message is to be counted (and remembers it); false for a redelivery of a counted one. */
  firstTime(m: TapMessage): boolean {
    const h = createHash('sha1');
    h.update(m.content);
    h.update(
      JSON.stringify(
        [m.properties.headers, m.properties.messageId, m.properties.timestamp, m.fields.routingKey],
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
      ),
    );
    const fp = h.digest('base64');
    if (m.fields.redelivered && this.#seen.has(fp)) return false;
    this.#seen.delete(fp);
    this.#seen.add(fp);
    if (this.#seen.size > this.#capacity) this.#seen.delete(this.#seen.values().next().value as string);
    return true;
  }
}

/** The latest death of a message: the first `x-death` entry (RabbitMQ keeps the most recent first). */
export function firstDeath(m: {
  properties: { headers?: Record<string, unknown> | undefined };
}): { queue: string; reason: DeadLetterReason } | undefined {
  const deaths = m.properties.headers?.['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return undefined;
  const first = deaths[0] as { queue?: unknown; reason?: unknown };
  const reason = String(first.reason);
  if (typeof first.queue !== 'string' || !(DEAD_LETTER_REASONS as readonly string[]).includes(reason)) return undefined;
  return { queue: first.queue, reason: reason as DeadLetterReason };
}
