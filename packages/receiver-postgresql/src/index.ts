import type { ReceiverFactory } from '@foursignals/receiver-core';
import { CONFIG_SCHEMA, type PostgresqlReceiverConfig } from './config.ts';
import { METRICS } from './metrics.ts';
import { PostgresqlReceiver } from './receiver.ts';

export type { PostgresqlReceiverConfig } from './config.ts';
export {
  ATTR_CONNECTION_STATE,
  ATTR_DB_NAMESPACE,
  ATTR_DB_QUERY_ID,
  ATTR_ERROR_TYPE,
  CONNECTION_STATES,
  ERROR_TYPES,
  METRICS,
} from './metrics.ts';
export { APPLICATION_NAME, PostgresqlReceiver } from './receiver.ts';

/** `postgresql/<name>` in receivers.yaml. */
export const postgresqlReceiverFactory: ReceiverFactory<PostgresqlReceiverConfig> = {
  type: 'postgresql',
  metrics: METRICS,
  configSchema: CONFIG_SCHEMA,
  create: (name, config) => new PostgresqlReceiver(name, config),
};
