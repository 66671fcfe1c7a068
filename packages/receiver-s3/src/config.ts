import type { ConfigSchema } from '@foursignals/receiver-core';

/** Static credentials. Without them the standard AWS chain is used (environment, shared config, SSO, IMDS, ...). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Listing mode: size and object count by listing every object (any S3-compatible store). */
export interface ListingOptions {
  /** Buckets listed at the same time. @default 4 */
  concurrency?: number;
  /** Time a scrape may spend listing, in seconds; an unfinished bucket resumes on the next scrape. @default 20 */
  timeBudgetSeconds?: number;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). @default 1000 */
  pageSize?: number;
}

/** AWS mode: CloudWatch's AWS/S3 metrics through GetMetricData. */
export interface CloudWatchOptions {
  /** CloudWatch endpoint override (tests, VPC endpoints). @default the SDK's regional endpoint */
  endpoint?: string;
  /** FilterId of the buckets' request-metrics configuration; `null` turns request metrics off. @default "EntireBucket" */
  requestMetricsFilterId?: string | null;
  /** Period of the request metrics in seconds (a multiple of 60). @default 60 */
  requestPeriodSeconds?: number;
  /** How long to wait before a period's request metrics are final in CloudWatch, in seconds. @default 300 */
  delaySeconds?: number;
  /** How far back the first scrape after start looks for request metrics, in seconds (0 = only from now on). @default 0 */
  backfillSeconds?: number;
  /** Longest window one scrape catches up after an outage, in seconds (older periods are skipped with a warning). @default 86400 */
  maxCatchUpSeconds?: number;
  /** How often the daily storage metrics are re-read, in seconds. @default 3600 */
  storageRefreshSeconds?: number;
  /** CloudWatch storage types read for s3.bucket.size. @default STORAGE_TYPES (the common ones) */
  storageTypes?: string[];
  /** Statistics of FirstByteLatency and TotalRequestLatency. @default ["Average", "p99"] */
  latencyStatistics?: string[];
  /** Queries per GetMetricData call (CloudWatch allows at most 500). @default 500 */
  maxQueriesPerCall?: number;
}

export interface S3ReceiverConfig {
  /** `aws`: CloudWatch storage and request metrics. `listing`: list the buckets of any S3-compatible store. */
  mode: 'aws' | 'listing';
  /** Buckets to watch. @default every bucket ListBuckets returns */
  buckets?: string[];
  /** @default "us-east-1" */
  region?: string;
  /** S3 endpoint (listing mode, and bucket discovery in AWS mode), e.g. http://127.0.0.1:29333. @default AWS */
  endpoint?: string;
  /** Path-style bucket addressing (needed by most S3-compatible stores). @default true when `endpoint` is set */
  forcePathStyle?: boolean;
  credentials?: S3Credentials;
  listing?: ListingOptions;
  /** Listing mode: the store's own Prometheus metrics for requests, errors and latency (SeaweedFS format). */
  serverMetrics?: ServerMetricsOptions;
  cloudwatch?: CloudWatchOptions;
}

export interface ServerMetricsOptions {
  /** The store's Prometheus endpoint, e.g. http://127.0.0.1:29337/metrics. */
  url: string;
  /** Which names to read. @default "seaweedfs" */
  format?: 'seaweedfs';
}

const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;

export const configSchema: ConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    mode: { enum: ['aws', 'listing'] },
    buckets: { type: 'array', items: { type: 'string', minLength: 3, maxLength: 63 }, uniqueItems: true },
    region: { type: 'string', minLength: 1 },
    endpoint: { type: 'string', pattern: '^https?://' },
    forcePathStyle: { type: 'boolean' },
    credentials: {
      type: 'object',
      additionalProperties: false,
      required: ['accessKeyId', 'secretAccessKey'],
      properties: {
        accessKeyId: { type: 'string', minLength: 1 },
        secretAccessKey: { type: 'string', minLength: 1 },
        sessionToken: { type: 'string' },
      },
    },
    listing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        concurrency: { type: 'integer', minimum: 1, maximum: 64 },
        timeBudgetSeconds: positive,
        pageSize: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    serverMetrics: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { url: { type: 'string', pattern: '^https?://' }, format: { enum: ['seaweedfs'] } },
    },
    cloudwatch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoint: { type: 'string', pattern: '^https?://' },
        requestMetricsFilterId: { type: ['string', 'null'] },
        requestPeriodSeconds: { type: 'integer', minimum: 60, multipleOf: 60 },
        delaySeconds: nonNegative,
        backfillSeconds: nonNegative,
        maxCatchUpSeconds: positive,
        storageRefreshSeconds: nonNegative,
        storageTypes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
        latencyStatistics: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        maxQueriesPerCall: { type: 'integer', minimum: 1, maximum: 500 },
      },
    },
  },
};
