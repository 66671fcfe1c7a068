import { alertmanager } from './alertmanager.ts';
import { collector } from './collector.ts';
import { influxdb } from './influxdb.ts';
import { mes } from './mes.ts';
import { postgres } from './postgres.ts';
import { prometheus } from './prometheus.ts';
import { rabbitmq } from './rabbitmq.ts';
import { receivers } from './receivers.ts';
import { seaweedfs } from './seaweedfs.ts';
import type { Service } from './service.ts';

/** Start order: backends first, the collector after them, then what feeds it (the receivers, the stack's non-Node
 * MES that the collector watches by its command line). `down` stops in reverse. */
export const SERVICES: readonly Service[] = [
  prometheus,
  alertmanager,
  influxdb,
  postgres,
  rabbitmq,
  seaweedfs,
  collector,
  receivers,
  mes,
];
