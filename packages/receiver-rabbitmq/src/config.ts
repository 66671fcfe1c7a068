import type { ConfigSchema } from '@foursignals/receiver-core';

/** One selection rule: a queue matches when both patterns match (JavaScript regular expressions, anchored). */
export interface QueuePattern {
  /** @default ".*" */
  vhost?: string;
  /** @default ".*" */
  queue?: string;
}

/** Options of the dead-letter taps. */
export interface DeadLetterConfig {
  /** Count dead letters by reason and queue through tap queues. @default true */
  enabled?: boolean;
  /** Name prefix of the receiver's tap queues; the monitoring user's permissions are granted on it. @default "foursignals.tap" */
  tapPrefix?: string;
  /** Bound on each tap queue's length (overflow drops the oldest). @default 100000 */
  tapMaxLength?: number;
  /** Bound on a message's time in a tap queue, in milliseconds. @default 3600000 */
  tapMessageTtl?: number;
  /** A tap queue nobody consumes is deleted after this many milliseconds. @default 86400000 */
  tapExpires?: number;
  /** `quorum` keeps every tapped message across a broker restart; `classic` is lighter. @default "quorum" */
  tapQueueType?: 'quorum' | 'classic';
  /** How often to rediscover dead-letter exchanges and their bindings, in seconds. @default 30 */
  discoveryInterval?: number;
}

/** The `rabbitmq/<name>` block of receivers.yaml. */
export interface RabbitMQConfig {
  /** Management HTTP API, e.g. `http://127.0.0.1:15672` (discovery of dead-letter exchanges and bindings). */
  managementUrl: string;
  /** The rabbitmq_prometheus plugin's listener, e.g. `http://127.0.0.1:15692` (queue depths, global counters). */
  prometheusUrl: string;
  /** AMQP URL without a vhost path, e.g. `amqp://127.0.0.1:5672` (consumes the dead-letter taps). */
  amqpUrl: string;
  username: string;
  password: string;
  /** Queues to report; all when empty. @default [{}] */
  include?: QueuePattern[];
  /** Queues never to report. @default [] */
  exclude?: QueuePattern[];
  /** Hard cap on reported queues (series); a warning is logged when reached. @default 1000 */
  maxQueues?: number;
  /** Also read consumer utilisation and head-message age (the costlier `queue_metrics` family). @default false */
  queueDetails?: boolean;
  /** Read the broker's global counters (publish/deliver/ack/dead-letter). @default true */
  nodeCounters?: boolean;
  deadLetters?: DeadLetterConfig;
}

const pattern = {
  type: 'object',
  additionalProperties: false,
  properties: { vhost: { type: 'string', minLength: 1 }, queue: { type: 'string', minLength: 1 } },
};

export const configSchema: ConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['managementUrl', 'prometheusUrl', 'amqpUrl', 'username', 'password'],
  properties: {
    managementUrl: { type: 'string', pattern: '^https?://' },
    prometheusUrl: { type: 'string', pattern: '^https?://' },
    amqpUrl: { type: 'string', pattern: '^amqps?://' },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string' },
    include: { type: 'array', items: pattern },
    exclude: { type: 'array', items: pattern },
    maxQueues: { type: 'integer', minimum: 1 },
    queueDetails: { type: 'boolean' },
    nodeCounters: { type: 'boolean' },
    deadLetters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        tapPrefix: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$' },
        tapMaxLength: { type: 'integer', minimum: 1 },
        tapMessageTtl: { type: 'integer', minimum: 1000 },
        tapExpires: { type: 'integer', minimum: 60000 },
        tapQueueType: { enum: ['quorum', 'classic'] },
        discoveryInterval: { type: 'number', minimum: 1 },
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
