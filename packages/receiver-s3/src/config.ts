import { type ConfigSchema, DURATION_PATTERN } from '@foursignals/receiver-core';

/** Listing mode: size and object count by listing every object (any S3-compatible store). */
export interface ListingOptions {
  /** Buckets listed at the same time. @default 4 */
  concurrency?: number;
  /**
   * Time a scrape may spend listing; a bucket not finished in it resumes on the next scrape. Keep it below the
   * instance's `timeout`. @default "5s"
   */
  time_budget?: string;
  /** Keys per ListObjectsV2 call (S3 caps it at 1000). @default 1000 */
  page_size?: number;
}

/** Listing mode: the store's own Prometheus metrics, for requests, errors and latency. */
export interface ServerMetricsOptions {
  /** The store's Prometheus endpoint, e.g. http://127.0.0.1:29337/metrics. */
  url: string;
  /** Which metric names to read. @default "seaweedfs" */
  format?: 'seaweedfs';
}

/** AWS mode: CloudWatch's AWS/S3 metrics through GetMetricData. */
export interface CloudWatchOptions {
  /** CloudWatch endpoint override (tests, VPC endpoints). @default the SDK's regional endpoint */
  endpoint?: string;
  /** FilterId of the buckets' request-metrics configuration; `null` turns request metrics off. @default "EntireBucket" */
  request_metrics_filter_id?: string | null;
  /** Period of the request metrics, rounded up to whole minutes. @default "1m" */
  request_period?: string;
  /** How long until a period's request metrics are final in CloudWatch; periods newer than this wait. @default "5m" */
  delay?: string;
  /** How far back the first scrape after start reads request metrics ("0s": count from now on). @default "0s" */
  backfill?: string;
  /** Longest window one scrape catches up after an outage; older periods are skipped with a warning. @default "24h" */
  max_catch_up?: string;
  /** How often the daily storage metrics are re-read. @default "1h" */
  storage_refresh?: string;
  /** CloudWatch StorageType values read for s3.bucket.size. @default the 7 common ones (see STORAGE_TYPES) */
  storage_types?: string[];
  /** Statistics of FirstByteLatency and TotalRequestLatency. @default ["Average", "p99"] */
  latency_statistics?: string[];
  /** Queries per GetMetricData call (CloudWatch allows at most 500). @default 500 */
  max_queries_per_call?: number;
}

/** The config block of one `s3/<name>` instance in receivers.yaml. */
export interface S3ReceiverConfig {
  /** `aws`: CloudWatch storage and request metrics. `listing`: list the buckets of any S3-compatible store. */
  mode: 'aws' | 'listing';
  /** Buckets to watch. @default every bucket ListBuckets returns */
  buckets?: string[];
  /** @default "us-east-1" */
  region?: string;
  /** S3 endpoint (listing mode, and bucket discovery in AWS mode), e.g. http://127.0.0.1:29333. @default AWS */
  endpoint?: string;
  /** Path-style bucket addressing (most S3-compatible stores need it). @default true when `endpoint` is set */
  force_path_style?: boolean;
  /** Static credentials; without them the standard AWS chain is used (environment, shared config, SSO, IMDS). */
  access_key_id?: string;
  /** Write `${env:S3_SECRET_ACCESS_KEY}`. Never printed. */
  secret_access_key?: string;
  session_token?: string;
  listing?: ListingOptions;
  server_metrics?: ServerMetricsOptions;
  cloudwatch?: CloudWatchOptions;
}

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-error': 'expected a duration like 30s, 5m or 1h' };
const url = { type: 'string', pattern: '^https?://', 'x-error': 'expected a URL like http://127.0.0.1:29333' };
const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true };

export const CONFIG_SCHEMA: ConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  dependentRequired: { access_key_id: ['secret_access_key'], secret_access_key: ['access_key_id'] },
  properties: {
    mode: { enum: ['aws', 'listing'], 'x-error': 'expected aws or listing' },
    buckets: {
      type: 'array',
      items: { type: 'string', minLength: 3, maxLength: 63 },
      uniqueItems: true,
      'x-error': 'expected a list of bucket names',
    },
    region: { type: 'string', minLength: 1 },
    endpoint: url,
    force_path_style: { type: 'boolean' },
    access_key_id: { type: 'string', minLength: 1 },
    secret_access_key: { type: 'string', minLength: 1 },
    session_token: { type: 'string' },
    listing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        concurrency: { type: 'integer', minimum: 1, maximum: 64 },
        time_budget: duration,
        page_size: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    server_metrics: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { url, format: { enum: ['seaweedfs'] } },
    },
    cloudwatch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoint: url,
        request_metrics_filter_id: { type: ['string', 'null'] },
        request_period: duration,
        delay: duration,
        backfill: duration,
        max_catch_up: duration,
        storage_refresh: duration,
        storage_types: stringList,
        latency_statistics: stringList,
        max_queries_per_call: { type: 'integer', minimum: 1, maximum: 500 },
      },
    },
  },
};
