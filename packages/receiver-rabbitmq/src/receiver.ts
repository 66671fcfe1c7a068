import {
  type Observation,
  parseDuration,
  type Receiver,
  type ScrapeContext,
  targetOf,
} from '@foursignals/receiver-core';
import { compileSelection, type RabbitMQConfig, type Selection } from './config.ts';
import { basicAuth, httpGet, parsePrometheusText, type Sample } from './http.ts';
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

interface QueueStats {
  vhost: string;
  queue: string;
  ready?: number;
  unacked?: number;
  consumers?: number;
  utilisation?: number;
  headTimestamp?: number;
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
  readonly #detailedUrl: string;
  readonly #taps: DeadLetterTaps | undefined;
  /** Queues reported so far, kept while they exist so the cap drops new queues, not old series. */
  #reported = new Set<string>();
  #capWarned = false;
  #warn: (message: string) => void = (m) => process.emitWarning(m);

  constructor(name: string, config: RabbitMQConfig) {
    this.#config = config;
    this.#selection = compileSelection(config.include, config.exclude);
    this.#maxQueues = config.max_queues ?? 1000;
    this.target = targetOf(config.prometheus_endpoint);
    const families = ['queue_coarse_metrics', 'queue_consumer_count'];
    if (config.queue_details) families.push('queue_metrics');
    const params = new URLSearchParams(families.map((f): [string, string] => ['family', f]));
    for (const v of literalVhosts(config) ?? []) params.append('vhost', v);
    this.#detailedUrl = `${config.prometheus_endpoint.replace(/\/$/, '')}/metrics/detailed?${params}`;
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
    const base = this.#config.prometheus_endpoint.replace(/\/$/, '');
    // Both plugin endpoints are unauthenticated by default; a failure of either means the broker is unreachable.
    const [detailed, global] = await Promise.all([
      httpGet(this.#detailedUrl, undefined, ctx.signal),
      this.#config.node_counters === false ? undefined : httpGet(`${base}/metrics`, undefined, ctx.signal),
    ]);
    const out: Observation[] = [];
    this.#queues(
      parsePrometheusText(detailed, (n) => DETAILED.has(n)),
      out,
    );
    if (global !== undefined) {
      this.#node(
        parsePrometheusText(
          global,
          (n) => n in NODE_COUNTERS || DEAD_LETTER_COUNTER.test(n) || n === 'rabbitmq_identity_info',
        ),
        out,
      );
    }
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

  #queues(samples: Sample[], out: Observation[]): void {
    const stats = new Map<string, QueueStats>();
    for (const s of samples) {
      const vhost = s.labels.vhost ?? '';
      const queue = s.labels.queue ?? '';
      const key = `${vhost}\u0000${queue}`;
      let q = stats.get(key);
      if (!q) {
        q = { vhost, queue };
        stats.set(key, q);
      }
      switch (s.name) {
        case 'rabbitmq_detailed_queue_messages_ready':
          q.ready = s.value;
          break;
        case 'rabbitmq_detailed_queue_messages_unacked':
          q.unacked = s.value;
          break;
        case 'rabbitmq_detailed_queue_consumers':
          q.consumers = s.value;
          break;
        case 'rabbitmq_detailed_queue_consumer_utilisation':
          q.utilisation = s.value;
          break;
        case 'rabbitmq_detailed_queue_head_message_timestamp':
          q.headTimestamp = s.value;
          break;
      }
    }

    // Dead-letter queue depths: every real DLQ, whatever the selection cap.
    const dlqs = this.#taps?.deadLetterQueues();
    if (dlqs) {
      for (const [vhost, queues] of dlqs) {
        for (const [queue, exchange] of queues) {
          const q = stats.get(`${vhost}\u0000${queue}`);
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
    const prefix = `${this.#config.dead_letters?.tap_prefix ?? 'foursignals.tap'}.`;
    const matching = new Map<string, QueueStats>();
    for (const [key, q] of stats) {
      if (q.queue.startsWith(prefix) || !this.#selection.matches(q.vhost, q.queue)) continue;
      matching.set(key, q);
    }
    const reported = new Set<string>();
    for (const key of this.#reported) if (matching.has(key)) reported.add(key);
    if (matching.size > reported.size && reported.size < this.#maxQueues) {
      const fresh = [...matching.keys()].filter((k) => !reported.has(k)).sort();
      for (const k of fresh) {
        if (reported.size >= this.#maxQueues) break;
        reported.add(k);
      }
    }
    this.#reported = reported;
    const dropped = matching.size - reported.size;
    if (dropped > 0 && !this.#capWarned) {
      this.#warn(
        `${matching.size} queues match the selection; reporting ${this.#maxQueues} (max_queues), dropping ${dropped}`,
      );
      this.#capWarned = true;
    } else if (dropped === 0) {
      this.#capWarned = false;
    }
    out.push(
      { metric: METRICS.queueCount.name, attributes: { [ATTR_SELECTION]: 'reported' }, value: reported.size },
      { metric: METRICS.queueCount.name, attributes: { [ATTR_SELECTION]: 'dropped' }, value: dropped },
    );

    const now = Date.now() / 1000;
    for (const key of reported) {
      const q = matching.get(key)!;
      const attrs = { [ATTR_VHOST]: q.vhost, [ATTR_QUEUE]: q.queue };
      // A queue whose process has not emitted stats yet (just declared, broker just restarted) has no sample:
      // it is left out rather than reported as an empty queue.
      if (q.ready !== undefined && q.unacked !== undefined) {
        out.push(
          {
            metric: METRICS.queueMessages.name,
            attributes: { ...attrs, [ATTR_MESSAGE_STATE]: 'ready' },
            value: q.ready,
          },
          {
            metric: METRICS.queueMessages.name,
            attributes: { ...attrs, [ATTR_MESSAGE_STATE]: 'unacknowledged' },
            value: q.unacked,
          },
        );
      }
      if (q.consumers !== undefined)
        out.push({ metric: METRICS.queueConsumers.name, attributes: attrs, value: q.consumers });
      if (q.utilisation !== undefined) {
        out.push({ metric: METRICS.queueConsumerUtilization.name, attributes: attrs, value: q.utilisation });
      }
      // 0 means "no message, or no timestamp on it".
      if (q.headTimestamp) {
        out.push({
          metric: METRICS.queueHeadMessageAge.name,
          attributes: attrs,
          value: Math.max(0, now - q.headTimestamp),
        });
      }
    }
  }

  #node(samples: Sample[], out: Observation[]): void {
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
    await this.#taps?.close();
  }
}
