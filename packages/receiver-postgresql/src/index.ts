import type { ReceiverFactory } from '@foursignals/receiver-core';
import { CONFIG_SCHEMA, type PostgresqlReceiverConfig } from './config.ts';
import { METRICS } from './metrics.ts';
import { PostgresqlReceiver } from './receiver.ts';

export { APPLICATION_NAME, type PostgresqlClient, type PostgresqlConnect, pgConnect } from './client.ts';
export type { PostgresqlReceiverConfig } from './config.ts';
export * from './metrics.ts';
export { PostgresqlReceiver } from './receiver.ts';

/** `postgresql/<name>` in receivers.yaml. */
export const postgresqlReceiverFactory: ReceiverFactory<PostgresqlReceiverConfig> = {
  type: 'postgresql',
  metrics: METRICS,
  configSchema: CONFIG_SCHEMA,
  create: (name, config) => new PostgresqlReceiver(name, config),
};
