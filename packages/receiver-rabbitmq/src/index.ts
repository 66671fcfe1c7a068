// @foursignals/receiver-rabbitmq: the only entry point.
import type { ReceiverFactory } from '@foursignals/receiver-core';
import { configSchema, type RabbitMQConfig } from './config.ts';
import { METRICS } from './metrics.ts';
import { RabbitMQReceiver } from './receiver.ts';

export type { DeadLetterConfig, QueuePattern, RabbitMQConfig } from './config.ts';
export {
  ATTR_DEAD_LETTER_EXCHANGE,
  ATTR_DEAD_LETTER_REASON,
  ATTR_MESSAGE_STATE,
  ATTR_QUEUE,
  ATTR_VHOST,
  DEAD_LETTER_REASONS,
  METRICS,
} from './metrics.ts';
export { RabbitMQReceiver } from './receiver.ts';
export { tapQueueName } from './taps.ts';

/** `rabbitmq/<name>` in receivers.yaml. */
export const rabbitmqReceiverFactory: ReceiverFactory<RabbitMQConfig> = {
  type: 'rabbitmq',
  metrics: METRICS,
  configSchema,
  create: (name, config) => new RabbitMQReceiver(name, config),
};
