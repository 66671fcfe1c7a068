// Every metric this receiver emits, declared once. Names and attributes are a public contract (dashboards,
// alerts and the outside checks in the tests use them); the README's metric reference is generated from here.
// Names and attributes follow collector-contrib's rabbitmqreceiver where it measures the same thing
// (rabbitmq.message.current{state}, rabbitmq.consumer.count, rabbitmq.queue.name, rabbitmq.vhost.name,
// rabbitmq.node.name); none collides with a series of the broker's own rabbitmq_prometheus plugin.
import type { AttributeSpec, MetricTable } from '@foursignals/receiver-core';

const CONTRIB = 'contrib rabbitmqreceiver';

export const ATTR_VHOST = 'rabbitmq.vhost.name';
export const ATTR_QUEUE = 'rabbitmq.queue.name';
/** contrib's attribute name (its `message.state` with `name_override: state`). */
export const ATTR_MESSAGE_STATE = 'state';
export const ATTR_DEAD_LETTER_REASON = 'rabbitmq.dead_letter.reason';
export const ATTR_DEAD_LETTER_EXCHANGE = 'rabbitmq.dead_letter.exchange';
export const ATTR_DEAD_LETTER_STRATEGY = 'rabbitmq.dead_letter.strategy';
export const ATTR_QUEUE_TYPE = 'rabbitmq.queue.type';
export const ATTR_NODE = 'rabbitmq.node.name';
export const ATTR_SELECTION = 'rabbitmq.queue.selection';

/** The four reasons RabbitMQ 3.10 writes into `x-death` (and into its global counter names). */
export const DEAD_LETTER_REASONS = ['expired', 'rejected', 'maxlen', 'delivery_limit'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

const vhost: AttributeSpec = { description: 'Virtual host of the queue.' };
const queue: AttributeSpec = { description: 'Queue name.' };
const node: AttributeSpec = { description: 'RabbitMQ node the counter belongs to (`rabbit@host`).' };

export const METRICS = {
  queueMessages: {
    name: 'rabbitmq.message.current',
    instrument: 'updowncounter',
    unit: '{message}',
    description:
      'Messages in a queue by state: ready to deliver, or delivered and not yet acknowledged. ' +
      'Summed over states and queues it is the number of messages (orders) in flight.',
    attributes: {
      [ATTR_VHOST]: vhost,
      [ATTR_QUEUE]: queue,
      [ATTR_MESSAGE_STATE]: { description: 'Message state.', values: ['ready', 'unacknowledged'] },
    },
    enabled: true,
    upstream: {
      from: CONTRIB,
      note: 'vhost and queue are point attributes here (resource attributes in contrib), same names',
    },
  },
  queueConsumers: {
    name: 'rabbitmq.consumer.count',
    instrument: 'updowncounter',
    unit: '{consumer}',
    description: 'Consumers subscribed to a queue.',
    attributes: { [ATTR_VHOST]: vhost, [ATTR_QUEUE]: queue },
    enabled: true,
    upstream: {
      from: CONTRIB,
      note: 'vhost and queue are point attributes here (resource attributes in contrib), same names',
    },
  },
  deadLettered: {
    name: 'rabbitmq.message.dead_lettered',
    instrument: 'counter',
    unit: '{message}',
    description:
      'Messages dead-lettered, by the queue they died in and the reason, counted from the first `x-death` entry of ' +
      "each message reaching the receiver's tap queue on the dead-letter exchange (mirrors the real DLQs' bindings). " +
      'Starts at 0 for every reason a dead-lettering queue can die of (delivery_limit: quorum queues only).',
    attributes: {
      [ATTR_VHOST]: vhost,
      [ATTR_QUEUE]: { description: 'The queue the message died in.' },
      [ATTR_DEAD_LETTER_REASON]: { description: 'Why the broker dead-lettered it.', values: DEAD_LETTER_REASONS },
    },
    enabled: true,
  },
  deadLetterQueueMessages: {
    name: 'rabbitmq.dead_letter_queue.messages',
    instrument: 'gauge',
    unit: '{message}',
    description:
      'Depth (ready + unacknowledged) of every real dead-letter queue: each queue bound to a dead-letter exchange.',
    attributes: {
      [ATTR_VHOST]: vhost,
      [ATTR_QUEUE]: queue,
      [ATTR_DEAD_LETTER_EXCHANGE]: { description: 'The dead-letter exchange the queue is bound to.' },
    },
    enabled: true,
  },
  nodeDeadLettered: {
    name: 'rabbitmq.node.message.dead_lettered',
    instrument: 'counter',
    unit: '{message}',
    description:
      "The broker's own global dead-letter counters (per node, no queue): a cross-check of the per-queue counts. " +
      'Messages of `disabled` strategy were dropped (the queue had no dead-letter exchange).',
    attributes: {
      [ATTR_NODE]: node,
      [ATTR_DEAD_LETTER_REASON]: { description: 'Why the broker dead-lettered it.', values: DEAD_LETTER_REASONS },
      [ATTR_QUEUE_TYPE]: { description: 'Queue type.', values: ['classic', 'quorum', 'stream'] },
      [ATTR_DEAD_LETTER_STRATEGY]: {
        description: 'Dead-lettering strategy of the source queue.',
        values: ['disabled', 'at_most_once', 'at_least_once'],
      },
    },
    enabled: true,
  },
  nodePublished: {
    name: 'rabbitmq.node.message.published',
    instrument: 'counter',
    unit: '{message}',
    description: 'Messages published to the node (all protocols); `rate()` gives the publish rate.',
    attributes: { [ATTR_NODE]: node },
    enabled: true,
    upstream: {
      from: CONTRIB,
      name: 'rabbitmq.message.published',
      note: 'contrib counts per queue; ours is the node total (the broker counts publishes before routing), so it has a name of its own',
    },
  },
  nodeDelivered: {
    name: 'rabbitmq.node.message.delivered',
    instrument: 'counter',
    unit: '{message}',
    description: 'Messages delivered to consumers or fetched with basic.get (all protocols).',
    attributes: { [ATTR_NODE]: node },
    enabled: true,
    upstream: { from: CONTRIB, name: 'rabbitmq.message.delivered', note: 'per node, not per queue (see published)' },
  },
  nodeAcknowledged: {
    name: 'rabbitmq.node.message.acknowledged',
    instrument: 'counter',
    unit: '{message}',
    description: 'Messages acknowledged by consumers (all protocols).',
    attributes: { [ATTR_NODE]: node },
    enabled: true,
    upstream: { from: CONTRIB, name: 'rabbitmq.message.acknowledged', note: 'per node, not per queue (see published)' },
  },
  nodeRedelivered: {
    name: 'rabbitmq.node.message.redelivered',
    instrument: 'counter',
    unit: '{message}',
    description: 'Messages delivered again after a reject/nack with requeue or a lost consumer.',
    attributes: { [ATTR_NODE]: node },
    enabled: true,
  },
  nodeUnroutable: {
    name: 'rabbitmq.node.message.unroutable',
    instrument: 'counter',
    unit: '{message}',
    description: 'Published messages no queue received (dropped or returned to the publisher).',
    attributes: { [ATTR_NODE]: node },
    enabled: true,
    upstream: {
      from: CONTRIB,
      name: 'rabbitmq.message.dropped',
      note: 'per node; also counts messages returned to the publisher, not only dropped ones',
    },
  },
  queueConsumerUtilization: {
    name: 'rabbitmq.queue.consumer.utilization',
    instrument: 'gauge',
    unit: '1',
    description:
      'Fraction of time the queue could deliver to its consumers at once (1 = consumers keep up). ' +
      'Read only with `queue_details: true` (a costlier broker endpoint).',
    attributes: { [ATTR_VHOST]: vhost, [ATTR_QUEUE]: queue },
    enabled: true,
    upstream: {
      from: 'rabbitmq_prometheus plugin',
      name: 'rabbitmq_queue_consumer_utilisation',
      note: 'the same reading; an OTel name (contrib has none), which cannot collide with the plugin series',
    },
  },
  queueHeadMessageAge: {
    name: 'rabbitmq.queue.head_message.age',
    instrument: 'gauge',
    unit: 's',
    description:
      'Age of the oldest ready message, from its `timestamp` property (classic queues, messages published with a ' +
      'timestamp). Read only with `queue_details: true`.',
    attributes: { [ATTR_VHOST]: vhost, [ATTR_QUEUE]: queue },
    enabled: true,
  },
  queueCount: {
    name: 'rabbitmq.queue.count',
    instrument: 'gauge',
    unit: '{queue}',
    description:
      'Queues matching the selection: `reported`, or `dropped` because the `max_queues` cap was reached (a warning is logged).',
    attributes: {
      [ATTR_SELECTION]: { description: 'Whether the queue is reported.', values: ['reported', 'dropped'] },
    },
    enabled: true,
  },
  tapConnected: {
    name: 'rabbitmq.dead_letter.tap.connected',
    instrument: 'gauge',
    unit: '{status}',
    description:
      "1 while the receiver's AMQP connection that consumes the dead-letter taps of a vhost is up, else 0 " +
      '(dead letters then wait in the bounded tap queue and are counted on reconnect).',
    attributes: { [ATTR_VHOST]: vhost },
    enabled: true,
  },
} as const satisfies MetricTable;
