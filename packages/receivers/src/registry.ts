// Every receiver type the process knows: one line per receiver package. To add a receiver, add its package to
// packages/receivers/package.json "dependencies" ("@foursignals/receiver-x": "0.1.0"), import its factory here and
// append it to RECEIVER_FACTORIES; then regenerate the metric reference: `npm run docs -w packages/receivers`.
import type { AnyReceiverFactory } from '@foursignals/receiver-core';
import { postgresqlReceiverFactory } from '@foursignals/receiver-postgresql';
import { rabbitmqReceiverFactory } from '@foursignals/receiver-rabbitmq';
import { s3ReceiverFactory } from '@foursignals/receiver-s3';

export const RECEIVER_FACTORIES: readonly AnyReceiverFactory[] = [
  postgresqlReceiverFactory,
  rabbitmqReceiverFactory,
  s3ReceiverFactory,
];
