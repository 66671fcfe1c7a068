import { alertmanager } from './alertmanager.ts';
import { collector } from './collector.ts';
import { influxdb } from './influxdb.ts';
import { postgres } from './postgres.ts';
import { prometheus } from './prometheus.ts';
import { rabbitmq } from './rabbitmq.ts';
import { receivers } from './receivers.ts';
import { seaweedfs } from './seaweedfs.ts';
import type { Service } from './service.ts';

/** Start order: backends first, the collector after them, then what feeds it. `down` stops in reverse. */
export const SERVICES: readonly Service[] = [
  prometheus,
  alertmanager,
  influxdb,
  postgres,
  rabbitmq,
  seaweedfs,
  collector,
  receivers,
];
