export type {
  CloudWatchOptions,
  ListingOptions,
  S3ReceiverConfig,
  ServerMetricsOptions,
} from './config.ts';
export { METRICS } from './metrics.ts';
export { s3ReceiverFactory } from './receiver.ts';
