import {
  type Observation,
  type PrometheusSample,
  PrometheusTextScanner,
  parseDuration,
  parsePrometheusText,
  type Receiver,
  type ScrapeContext,
  targetOf,
} from '@foursignals/receiver-core';
import { pluginClient, type RabbitMQClient } from './client.ts';
import { compileSelection, type RabbitMQConfig, type Selection } from './config.ts';
import { basicAuth } from './http.ts';
import {
  ATTR_DEAD_LETTER_EXCHANGE,
  ATTR_DEAD_LETTER_REASON,
  ATTR_DEAD_LETTER_STRATEGY,
  ATTR_MESSAGE_STATE,
  ATTR_NODE,
  ATTR_QUEUE,
  ATTR_QUEUE_TYPE,
  ATTR_SELECTION,
  ATTR_VHOST,
  METRICS,
} from './metrics.ts';
import { DeadLetterTaps } from './taps.ts';

type QueueKind = 'ready' | 'unacked' | 'consumers' | 'utilisation' | 'age';

/** One queue, kept from scrape to scrape with its observations, so a 10,000-queue scrape allocates little. */
interface QueueEntry {
  vhost: string;
  queue: string;
  /** Passes the selection (and is not a tap of this receiver). */
  matches: boolean;
  reported: boolean;
  /** The scrape that last had a sample of it; values are reset when a new scrape first sees it. */
  seen: number;
  ready?: number;
  unacked?: number;
  consumers?: number;
  utilisation?: number;
  headTimestamp?: number;
  obs: Partial<Record<QueueKind, Observation>>;
}

/** A copy that does not keep the response chunk it was sliced from alive. */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

const DETAILED = new Set([
  'rabbitmq_detailed_queue_messages_ready',
  'rabbitmq_detailed_queue_messages_unacked',
  'rabbitmq_detailed_queue_consumers',
  'rabbitmq_detailed_queue_consumer_utilisation',
  'rabbitmq_detailed_queue_head_message_timestamp',
]);

const NODE_COUNTERS: Record<string, string> = {
  rabbitmq_global_messages_received_total: METRICS.nodePublished.name,
  rabbitmq_global_messages_delivered_total: METRICS.nodeDelivered.name,
  rabbitmq_global_messages_acknowledged_total: METRICS.nodeAcknowledged.name,
  rabbitmq_global_messages_redelivered_total: METRICS.nodeRedelivered.name,
  rabbitmq_global_messages_unroutable_dropped_total: METRICS.nodeUnroutable.name,
  rabbitmq_global_messages_unroutable_returned_total: METRICS.nodeUnroutable.name,
};
const DEAD_LETTER_COUNTER = /^rabbitmq_global_messages_dead_lettered_(expired|rejected|maxlen|delivery_limit)_total$/;
const QUEUE_TYPES: Record<string, string> = {
  rabbit_classic_queue: 'classic',
  rabbit_quorum_queue: 'quorum',
  rabbit_stream_queue: 'stream',
};

/** Regex-free vhost patterns can be passed to the plugin as `vhost=` filters, so it skips the other vhosts. */
function literalVhosts(config: RabbitMQConfig): string[] | undefined {
  const include = config.include ?? [];
  if (include.length === 0) return undefined;
  const names: string[] = [];
  for (const p of include) {
    if (p.vhost === undefined || /[\\^$.*+?()[\]{}|]/.test(p.vhost)) return undefined;
    names.push(p.vhost);
  }
  return [...new Set(names)];
}

export class RabbitMQReceiver implements Receiver {
  readonly target: string;
  readonly #config: RabbitMQConfig;
  readonly #selection: Selection;
  readonly #maxQueues: number;
  readonly #client: RabbitMQClient;
  readonly #detailedQuery: string;
  readonly #taps: DeadLetterTaps | undefined;
  /** vhost -> queue -> entry, for every queue of the last scrape. */
  readonly #entries = new Map<string, Map<string, QueueEntry>>();
  #generation = 0;
  #capWarned = false;
  readonly #nodeIntervalMs: number;
  #node: { at: number; points: Observation[] } | undefined;
  #nodeTimer: NodeJS.Timeout | undefined;
  #nodeStopped = false;
  #warn: (message: string) => void = (m) => process.emitWarning(m);
  /** Resolves when the first read of the node counters has finished (tests wait for it). */
  readonly nodeCountersRead: Promise<void>;

  /** `client` is the seam to the plugin: plain HTTP unless a test passes recorded answers. */
  constructor(name: string, config: RabbitMQConfig, client: RabbitMQClient = pluginClient(config.prometheus_endpoint)) {
    this.#config = config;
    this.#client = client;
    this.#selection = compileSelection(config.include, config.exclude);
    this.#maxQueues = config.max_queues ?? 1000;
    this.target = targetOf(config.prometheus_endpoint);
    const families = ['queue_coarse_metrics', 'queue_consumer_count'];
    if (config.queue_details) families.push('queue_metrics');
    const params = new URLSearchParams(families.map((f): [string, string] => ['family', f]));
    for (const v of literalVhosts(config) ?? []) params.append('vhost', v);
    this.#detailedQuery = params.toString();
    this.#nodeIntervalMs = parseDuration(config.node_counters_interval ?? '60s');
    if (config.node_counters !== false) {
      const loop = (): Promise<void> =>
        this.#readNodeCounters().finally(() => {
          if (!this.#nodeStopped) this.#nodeTimer = setTimeout(loop, this.#nodeIntervalMs).unref();
        });
      this.nodeCountersRead = loop();
    } else {
      this.nodeCountersRead = Promise.resolve();
    }
    const dl = config.dead_letters ?? {};
    if (dl.enabled !== false) {
      this.#taps = new DeadLetterTaps({
        instance: name,
        amqpUrl: config.amqp_endpoint,
        username: config.username,
        password: config.password,
        managementUrl: config.endpoint.replace(/\/$/, ''),
        auth: basicAuth(config.username, config.password),
        selection: this.#selection,
        prefix: dl.tap_prefix ?? 'foursignals.tap',
        maxLength: dl.tap_max_length ?? 100_000,
        messageTtl: parseDuration(dl.tap_message_ttl ?? '1h'),
        expires: parseDuration(dl.tap_expires ?? '24h'),
        queueType: dl.tap_queue_type ?? 'classic',
        discoveryIntervalMs: parseDuration(dl.discovery_interval ?? '30s'),
        listingIntervalMs: parseDuration(dl.queue_listing_interval ?? '5m'),
        exchanges: dl.exchanges,
        maxSeeds: this.#maxQueues,
        warn: (m) => this.#warn(m),
      });
      this.#taps.start();
    }
  }

  /** The dead-letter taps (tests and benchmarks wait for them to be ready, or force a discovery). */
  get taps(): DeadLetterTaps | undefined {
    return this.#taps;
  }

  async scrape(ctx: ScrapeContext): Promise<Observation[]> {
    this.#warn = ctx.warn;
    // The plugin's endpoints are unauthenticated by default; a failure means the broker is unreachable.
    await this.#readQueues(ctx.signal);
    const out: Observation[] = [];
    this.#queues(out);
    if (this.#node && Date.now() - this.#node.at <= 2 * this.#nodeIntervalMs) out.push(...this.#node.points);
    if (this.#taps) {
      for (const c of this.#taps.counts()) {
        out.push({
          metric: METRICS.deadLettered.name,
          attributes: { [ATTR_VHOST]: c.vhost, [ATTR_QUEUE]: c.queue, [ATTR_DEAD_LETTER_REASON]: c.reason },
          value: c.value,
        });
      }
      for (const c of this.#taps.connections()) {
        out.push({
          metric: METRICS.tapConnected.name,
          attributes: { [ATTR_VHOST]: c.vhost },
          value: c.connected ? 1 : 0,
        });
      }
    }
    return out;
  }

  /** Reads the per-queue samples into the entries; drops the entries of queues that are gone. */
  async #readQueues(signal: AbortSignal): Promise<void> {
    const gen = ++this.#generation;
    const prefix = `${this.#config.dead_letters?.tap_prefix ?? 'foursignals.tap'}.`;
    const scanner = new PrometheusTextScanner(
      (n) => DETAILED.has(n),
      (name, labels, value) => {
        const vhost = labels.vhost ?? '';
        const queue = labels.queue ?? '';
        let byQueue = this.#entries.get(vhost);
        if (!byQueue) {
          byQueue = new Map();
          this.#entries.set(own(vhost), byQueue);
        }
        let q = byQueue.get(queue);
        if (!q) {
          const v = own(vhost);
          const n = own(queue);
          q = {
            vhost: v,
            queue: n,
            matches: !n.startsWith(prefix) && this.#selection.matches(v, n),
            reported: false,
            seen: gen,
            obs: {},
          };
          byQueue.set(n, q);
        } else if (q.seen !== gen) {
          q.seen = gen;
          q.ready = q.unacked = q.consumers = q.utilisation = q.headTimestamp = undefined;
        }
        switch (name) {
          case 'rabbitmq_detailed_queue_messages_ready':
            q.ready = value;
            break;
          case 'rabbitmq_detailed_queue_messages_unacked':
            q.unacked = value;
            break;
          case 'rabbitmq_detailed_queue_consumers':
            q.consumers = value;
            break;
          case 'rabbitmq_detailed_queue_consumer_utilisation':
            q.utilisation = value;
            break;
          case 'rabbitmq_detailed_queue_head_message_timestamp':
            q.headTimestamp = value;
            break;
        }
      },
    );
    await this.#client.detailedMetrics(this.#detailedQuery, signal, (chunk) => scanner.push(chunk));
    scanner.end();
    for (const [vhost, byQueue] of this.#entries) {
      for (const [queue, q] of byQueue) if (q.seen !== gen) byQueue.delete(queue);
      if (byQueue.size === 0) this.#entries.delete(vhost);
    }
  }

  #queues(out: Observation[]): void {
    // Dead-letter queue depths: every real DLQ, whatever the selection cap.
    const dlqs = this.#taps?.deadLetterQueues();
    if (dlqs) {
      for (const [vhost, queues] of dlqs) {
        for (const [queue, exchange] of queues) {
          const q = this.#entries.get(vhost)?.get(queue);
          if (q?.ready === undefined || q.unacked === undefined) continue;
          out.push({
            metric: METRICS.deadLetterQueueMessages.name,
            attributes: { [ATTR_VHOST]: vhost, [ATTR_QUEUE]: queue, [ATTR_DEAD_LETTER_EXCHANGE]: exchange },
            value: q.ready + q.unacked,
          });
        }
      }
    }

    // Selection, then the cap: queues already reported keep their place; new ones fill what is left, in name order.
    let matching = 0;
    let reported = 0;
    const fresh: QueueEntry[] = [];
    for (const byQueue of this.#entries.values()) {
      for (const q of byQueue.values()) {
        if (!q.matches) continue;
        matching++;
        if (q.reported) reported++;
        else fresh.push(q);
      }
    }
    if (fresh.length > 0 && reported < this.#maxQueues) {
      fresh.sort((a, b) => (a.vhost === b.vhost ? cmp(a.queue, b.queue) : cmp(a.vhost, b.vhost)));
      for (const q of fresh) {
        if (reported >= this.#maxQueues) break;
        q.reported = true;
        reported++;
      }
    }
    const dropped = matching - reported;
    if (dropped > 0 && !this.#capWarned) {
      this.#warn(
        `${matching} queues match the selection; reporting ${this.#maxQueues} (max_queues), dropping ${dropped}`,
      );
      this.#capWarned = true;
    } else if (dropped === 0) {
      this.#capWarned = false;
    }
    out.push(
      { metric: METRICS.queueCount.name, attributes: { [ATTR_SELECTION]: 'reported' }, value: reported },
      { metric: METRICS.queueCount.name, attributes: { [ATTR_SELECTION]: 'dropped' }, value: dropped },
    );

    const now = Date.now() / 1000;
    for (const byQueue of this.#entries.values()) {
      for (const q of byQueue.values()) {
        if (!q.reported) continue;
        // A queue whose process has not emitted stats yet (just declared, broker just restarted) has no sample:
        // it is left out rather than reported as an empty queue.
        if (q.ready !== undefined && q.unacked !== undefined) {
          out.push(point(q, 'ready', q.ready), point(q, 'unacked', q.unacked));
        }
        if (q.consumers !== undefined) out.push(point(q, 'consumers', q.consumers));
        if (q.utilisation !== undefined) out.push(point(q, 'utilisation', q.utilisation));
        // 0 means "no message, or no timestamp on it".
        if (q.headTimestamp) out.push(point(q, 'age', Math.max(0, now - q.headTimestamp)));
      }
    }
  }

  /** The broker's global counters, read every `node_counters_interval` off the scrape path (see README). */
  async #readNodeCounters(): Promise<void> {
    try {
      const text = await this.#client.metrics(AbortSignal.timeout(this.#nodeIntervalMs));
      const points: Observation[] = [];
      this.#nodePoints(
        parsePrometheusText(
          text,
          (n) => n in NODE_COUNTERS || DEAD_LETTER_COUNTER.test(n) || n === 'rabbitmq_identity_info',
        ),
        points,
      );
      this.#node = { at: Date.now(), points };
    } catch (err) {
      // Never report old counter values as current: drop them until the next successful read.
      this.#node = undefined;
      this.#warn(`node counters: ${(err as Error).message}`);
    }
  }

  #nodePoints(samples: PrometheusSample[], out: Observation[]): void {
    const node = samples.find((s) => s.name === 'rabbitmq_identity_info')?.labels.rabbitmq_node ?? 'unknown';
    const sums = new Map<string, number>();
    const dead = new Map<string, { reason: string; type: string; strategy: string; value: number }>();
    for (const s of samples) {
      const metric = NODE_COUNTERS[s.name];
      if (metric) {
        sums.set(metric, (sums.get(metric) ?? 0) + s.value);
        continue;
      }
      const m = DEAD_LETTER_COUNTER.exec(s.name);
      if (!m) continue;
      const reason = m[1]!;
      const type = QUEUE_TYPES[s.labels.queue_type ?? ''] ?? s.labels.queue_type ?? 'unknown';
      const strategy = s.labels.dead_letter_strategy ?? 'unknown';
      const key = `${reason}\u0000${type}\u0000${strategy}`;
      const d = dead.get(key);
      if (d) d.value += s.value;
      else dead.set(key, { reason, type, strategy, value: s.value });
    }
    for (const [metric, value] of sums) out.push({ metric, attributes: { [ATTR_NODE]: node }, value });
    for (const d of dead.values()) {
      out.push({
        metric: METRICS.nodeDeadLettered.name,
        attributes: {
          [ATTR_NODE]: node,
          [ATTR_DEAD_LETTER_REASON]: d.reason,
          [ATTR_QUEUE_TYPE]: d.type,
          [ATTR_DEAD_LETTER_STRATEGY]: d.strategy,
        },
        value: d.value,
      });
    }
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.#nodeTimer);
    this.#nodeStopped = true;
    await this.#taps?.close();
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const KINDS: Record<QueueKind, { metric: string; state?: string }> = {
  ready: { metric: METRICS.queueMessages.name, state: 'ready' },
  unacked: { metric: METRICS.queueMessages.name, state: 'unacknowledged' },
  consumers: { metric: METRICS.queueConsumers.name },
  utilisation: { metric: METRICS.queueConsumerUtilization.name },
  age: { metric: METRICS.queueHeadMessageAge.name },
};

/** The queue's observation of one kind, made once and updated in place from scrape to scrape. */
function point(q: QueueEntry, kind: QueueKind, value: number): Observation {
  let o = q.obs[kind];
  if (!o) {
    const { metric, state } = KINDS[kind];
    const attributes: Record<string, string> = { [ATTR_VHOST]: q.vhost, [ATTR_QUEUE]: q.queue };
    if (state) attributes[ATTR_MESSAGE_STATE] = state;
    o = { metric, attributes, value };
    q.obs[kind] = o;
  }
  o.value = value;
  return o;
}
