import { type ConfigSchema, DURATION_PATTERN } from '@foursignals/receiver-core';

/** One selection rule: a queue matches when both patterns match (JavaScript regular expressions, anchored). */
export interface QueuePattern {
  /** @default ".*" */
  vhost?: string;
  /** @default ".*" */
  queue?: string;
}

/** Options of the dead-letter taps (`dead_letters`). */
export interface DeadLetterConfig {
  /** Count dead letters by reason and queue through tap queues. @default true */
  enabled?: boolean;
  /** Name prefix of the receiver's tap queues; the monitoring user's permissions are granted on it. @default "foursignals.tap" */
  tap_prefix?: string;
  /** Bound on each tap queue's length (overflow drops the oldest). @default 100000 */
  tap_max_length?: number;
  /** Bound on a message's time in a tap queue. @default "1h" */
  tap_message_ttl?: string;
  /** A tap queue nobody consumes is deleted after this long. @default "24h" */
  tap_expires?: string;
  /**
   * Type of the tap queues. `classic` (durable) is recovered before the broker accepts connections, so no dead
   * letter misses it after a restart; a `quorum` tap drops (at-most-once) the dead letters routed to it in the
   * seconds after a restart before its Raft leader is elected. @default "classic"
   */
  tap_queue_type?: 'quorum' | 'classic';
  /** How often to re-read the dead-letter exchanges' bindings (and mirror changes onto the taps). @default "30s" */
  discovery_interval?: string;
  /**
   * How often to list each vhost's queues to find which exchanges are dead-letter exchanges (queue arguments and
   * policies). The one costly discovery call: ~1 s and a transient memory bump on the broker at 10,000 queues.
   * Queues that first appear in a scrape are looked up at once, by name, whatever this interval.
   * @default "5m"
   */
  queue_listing_interval?: string;
  /** Fixed dead-letter exchanges instead of listing queues at all (large brokers). @default unset */
  exchanges?: { vhost: string; exchange: string }[];
}

/** The `rabbitmq/<name>` block of receivers.yaml. */
export interface RabbitMQConfig {
  /** Management HTTP API, e.g. `http://127.0.0.1:15672` (discovery of dead-letter exchanges and bindings only). */
  endpoint: string;
  /** The rabbitmq_prometheus plugin's listener, e.g. `http://127.0.0.1:15692` (queue depths, global counters). */
  prometheus_endpoint: string;
  /** AMQP URL without vhost or credentials, e.g. `amqp://127.0.0.1:5672` (consumes the dead-letter taps). */
  amqp_endpoint: string;
  username: string;
  password: string;
  /** Queues to report; all when empty. @default [] */
  include?: QueuePattern[];
  /** Queues never to report. @default [] */
  exclude?: QueuePattern[];
  /** Hard cap on reported queues (series); a warning is logged when reached. @default 1000 */
  max_queues?: number;
  /** Also read consumer utilisation and head-message age (the costlier `queue_metrics` family). @default false */
  queue_details?: boolean;
  /** Read the broker's global counters (publish/deliver/ack/dead-letter). @default true */
  node_counters?: boolean;
  /**
   * How often to read them, off the scrape path: the plugin's `/metrics` aggregates every queue, costing as much as
   * the per-queue scrape at 10,000 queues, and counters need no 15 s resolution for `rate()`. @default "60s"
   */
  node_counters_interval?: string;
  dead_letters?: DeadLetterConfig;
}

const pattern = {
  type: 'object',
  additionalProperties: false,
  properties: { vhost: { type: 'string', minLength: 1 }, queue: { type: 'string', minLength: 1 } },
};
const duration = { type: 'string', pattern: DURATION_PATTERN };

export const configSchema: ConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'prometheus_endpoint', 'amqp_endpoint', 'username', 'password'],
  properties: {
    endpoint: { type: 'string', pattern: '^https?://' },
    prometheus_endpoint: { type: 'string', pattern: '^https?://' },
    amqp_endpoint: { type: 'string', pattern: '^amqps?://' },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string' },
    include: { type: 'array', items: pattern },
    exclude: { type: 'array', items: pattern },
    max_queues: { type: 'integer', minimum: 1 },
    queue_details: { type: 'boolean' },
    node_counters: { type: 'boolean' },
    node_counters_interval: duration,
    dead_letters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        tap_prefix: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$' },
        tap_max_length: { type: 'integer', minimum: 1 },
        tap_message_ttl: duration,
        tap_expires: duration,
        tap_queue_type: { enum: ['quorum', 'classic'] },
        discovery_interval: duration,
        queue_listing_interval: duration,
        exchanges: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['vhost', 'exchange'],
            properties: { vhost: { type: 'string', minLength: 1 }, exchange: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
  },
};

/** A compiled selection: anchored regular expressions. */
export interface Selection {
  matches(vhost: string, queue: string): boolean;
  /** Whether any queue of this vhost can match (to skip whole vhosts). */
  vhostMayMatch(vhost: string): boolean;
}

function anchored(source: string | undefined): RegExp {
  return new RegExp(`^(?:${source ?? '.*'})$`);
}

export function compileSelection(include: QueuePattern[] = [], exclude: QueuePattern[] = []): Selection {
  const inc = (include.length ? include : [{}]).map((p) => ({ vhost: anchored(p.vhost), queue: anchored(p.queue) }));
  const exc = exclude.map((p) => ({ vhost: anchored(p.vhost), queue: anchored(p.queue) }));
  return {
    matches: (v, q) =>
      inc.some((p) => p.vhost.test(v) && p.queue.test(q)) && !exc.some((p) => p.vhost.test(v) && p.queue.test(q)),
    vhostMayMatch: (v) => inc.some((p) => p.vhost.test(v)),
  };
}
